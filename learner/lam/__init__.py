"""Latent action models: IDM/FDM networks and the LAPO, MaskLAM and LAOM objectives (DESIGN.md section 5)."""
