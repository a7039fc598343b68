"""Evaluation metrics: FID, KID, SWD, MS-SSIM, precision/recall, mode coverage."""
