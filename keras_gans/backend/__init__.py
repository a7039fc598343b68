"""The only backend-specific code of the package: gradients of gradients and distribution."""
