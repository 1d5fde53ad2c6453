/* vaktd: placeholder entry until the daemon lands in this session. */
#include <stdio.h>
int main(void) { return 0; }
