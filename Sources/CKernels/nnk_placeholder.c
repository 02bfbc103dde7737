// Kernels live here.
