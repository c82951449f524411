/* Functions we never use (after git's banned.h): unsafe or with silent failure modes. */
#ifndef PARE_BANNED_H
#define PARE_BANNED_H
/* Force-included before every file (see Makefile): the system headers that declare these come first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define BANNED(func) sorry_##func##_is_banned_in_pare
#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gets
#define gets(x) BANNED(gets)
#undef atoi
#define atoi(x) BANNED(atoi)
#endif
