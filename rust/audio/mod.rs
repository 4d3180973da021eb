//! Audio kernels: numpy-exact zero-mean unit-variance normalization fused with padding.
