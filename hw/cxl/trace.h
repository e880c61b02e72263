#include "trace/trace-hw_cxl.h"
