//! Image kernels: Pillow-exact resampling, fused rescale + normalize + HWC->CHW.
