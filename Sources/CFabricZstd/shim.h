#ifndef CFABRIC_ZSTD_SHIM_H
#define CFABRIC_ZSTD_SHIM_H
#include <zstd.h>
#endif
