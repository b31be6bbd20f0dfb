#include "CFabricShims.h"
int cfabric_shims_version(void) { return 1; }
