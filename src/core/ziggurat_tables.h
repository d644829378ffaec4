/* The exponential ziggurat's tail start and layer densities, for dist.c
 * (tables in ziggurat_tables.c; the other two are declared in dist.h). */
#ifndef LAMBDASIM_ZIGGURAT_TABLES_H
#define LAMBDASIM_ZIGGURAT_TABLES_H

/* Right edge of the base layer: beyond it lies the exponential's tail. */
#define ZIG_EXP_R 7.697117470131487

/* f[i] = exp(-x[i]), the density at layer i's right edge. */
extern const double dist_zig_exp_f[256];

#endif
