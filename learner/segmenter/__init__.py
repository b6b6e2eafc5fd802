"""The default segmentation model: a small U-Net trained on distracted frames with simulator masks, exported to ONNX."""
