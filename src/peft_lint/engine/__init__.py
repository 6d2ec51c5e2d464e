"""Rules, diagnostics and the pipeline that runs them."""
