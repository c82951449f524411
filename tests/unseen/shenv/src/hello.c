/* hello: a tool found only through the image's PATH, linked against libgreet.so. */
#include <stdio.h>
const char *greet_word(void);
int main(int argc, char **argv) {
	printf("%s %s\n", greet_word(), argc > 1 ? argv[1] : "world");
	return 0;
}
