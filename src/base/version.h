/* version: the one place the program's version is written. */
#ifndef LAMBDASIM_VERSION_H
#define LAMBDASIM_VERSION_H
#define LAMBDASIM_VERSION "0.1.0"
#endif
