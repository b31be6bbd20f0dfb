#ifndef CFABRIC_SHIMS_H
#define CFABRIC_SHIMS_H
/* Tiny C wrappers for what Swift cannot import well: epoll's packed event struct, eventfd,
   socket options and sendmsg flags. Filled in by FabricReactor. */
int cfabric_shims_version(void);
#endif
