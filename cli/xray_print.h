/* Printing an xray report: human text or JSON. Returns 0, or -1 when writing failed (errno set). */
#ifndef PARE_CLI_XRAY_PRINT_H
#define PARE_CLI_XRAY_PRINT_H
#include <stdio.h>

#include "image/image.h"
#include "image/xray.h"

int xray_print_text(FILE *f, const struct image *img, const struct xray_report *r);
int xray_print_json(FILE *f, const struct image *img, const struct xray_report *r);
#endif
