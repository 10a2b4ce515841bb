// the shared library dylib_user.c links against and dlopens
#include <string.h>
int helper_counter = 10;
const char *helper_name(void) { return "helper library"; }
int helper_add(int a, int b) { helper_counter++; return a + b; }
