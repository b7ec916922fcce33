/// Naive Double implementations of every kernel: the definition the fast Float kernels are
/// checked against (tier 1 and 2 of STYLE.md). Written for clarity, never for speed; each
/// backward is itself checked against central differences of its forward.
public enum Reference {}
