"""vade_check: VaDE training and latent-space stability metrics (not implemented yet)."""

__all__: list[str] = []
