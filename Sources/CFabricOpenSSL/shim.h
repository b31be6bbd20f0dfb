#ifndef CFABRIC_OPENSSL_SHIM_H
#define CFABRIC_OPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/opensslv.h>
#endif
