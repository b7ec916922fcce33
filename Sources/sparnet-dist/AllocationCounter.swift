#if os(Linux)
import Foundation
import Synchronization

/// Counts this process's heap allocations (malloc, calloc, realloc, posix_memalign,
/// aligned_alloc, memalign), from every library and thread, for `bench`.
///
/// glibc ≥ 2.34 keeps its malloc hooks only in `libc_malloc_debug.so.0`, which takes effect
/// when preloaded: `bench` re-executes itself once with it in `LD_PRELOAD`
/// (`reexecuteWithHooks`), then `install` points the hooks at counting wrappers around
/// `__libc_malloc` and friends. Nothing of this exists outside `bench`: other commands and the
/// training step call glibc's malloc directly.
enum AllocationCounter {
    /// The glibc library that brings back `__malloc_hook` and friends.
    static let hookLibrary = "libc_malloc_debug.so.0"
    /// Set in the re-executed process, so it does not re-execute again.
    private static let marker = "SPARNET_BENCH_MALLOC_HOOKS"

    /// Re-executes this process with `hookLibrary` preloaded, unless it is already loaded,
    /// missing, or this is the re-executed process; returns only when it does not re-execute.
    static func reexecuteWithHooks() {
        guard getenv(marker) == nil, dlopen(hookLibrary, RTLD_LAZY | RTLD_NOLOAD) == nil else { return }
        guard let probe = dlopen(hookLibrary, RTLD_LAZY | RTLD_LOCAL) else { return }
        dlclose(probe)
        let preload = [String(cString: getenv("LD_PRELOAD") ?? strdup("")), hookLibrary]
            .filter { !$0.isEmpty }.joined(separator: " ")
        setenv("LD_PRELOAD", preload, 1)
        setenv(marker, "1", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returned: carry on without counting.
        unsetenv(marker)
    }

    /// Points the malloc hooks at the counting wrappers; false (and nothing counted) when the
    /// hook library is not loaded.
    static func install() -> Bool {
        guard let hooks = dlopen(hookLibrary, RTLD_LAZY | RTLD_NOLOAD),
              let dlvsymAddress = dlsym(nil, "dlvsym") else { return false }
        typealias VersionedLookup = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>,
                                                    UnsafePointer<CChar>) -> UnsafeMutableRawPointer?
        let dlvsym = unsafeBitCast(dlvsymAddress, to: VersionedLookup.self)
        // The hooks are compatibility symbols: only a versioned lookup finds them.
        guard let mallocHook = dlvsym(hooks, "__malloc_hook", "GLIBC_2.2.5"),
              let reallocHook = dlvsym(hooks, "__realloc_hook", "GLIBC_2.2.5"),
              let memalignHook = dlvsym(hooks, "__memalign_hook", "GLIBC_2.2.5"),
              let malloc = dlsym(nil, "__libc_malloc"), let realloc = dlsym(nil, "__libc_realloc"),
              let memalign = dlsym(nil, "__libc_memalign") else { return false }
        libcMalloc = unsafeBitCast(malloc, to: Malloc.self)
        libcRealloc = unsafeBitCast(realloc, to: Realloc.self)
        libcMemalign = unsafeBitCast(memalign, to: Memalign.self)
        _ = totals     // initializes the counters before any wrapper can touch them
        // calloc goes through the malloc hook; posix_memalign and aligned_alloc through memalign's.
        let countingMalloc: @convention(c) (Int, UnsafeRawPointer?) -> UnsafeMutableRawPointer? = { size, _ in
            allocationCount.wrappingAdd(1, ordering: .relaxed)
            allocatedBytes.wrappingAdd(size, ordering: .relaxed)
            return libcMalloc?(size)
        }
        let countingRealloc: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?)
            -> UnsafeMutableRawPointer? = { pointer, size, _ in
            allocationCount.wrappingAdd(1, ordering: .relaxed)
            allocatedBytes.wrappingAdd(size, ordering: .relaxed)
            return libcRealloc?(pointer, size)
        }
        let countingMemalign: @convention(c) (Int, Int, UnsafeRawPointer?) -> UnsafeMutableRawPointer? = {
            alignment, size, _ in
            allocationCount.wrappingAdd(1, ordering: .relaxed)
            allocatedBytes.wrappingAdd(size, ordering: .relaxed)
            return libcMemalign?(alignment, size)
        }
        func set(_ hook: UnsafeMutableRawPointer, _ function: UnsafeRawPointer) {
            hook.assumingMemoryBound(to: UnsafeRawPointer?.self).pointee = function
        }
        set(mallocHook, unsafeBitCast(countingMalloc, to: UnsafeRawPointer.self))
        set(reallocHook, unsafeBitCast(countingRealloc, to: UnsafeRawPointer.self))
        set(memalignHook, unsafeBitCast(countingMemalign, to: UnsafeRawPointer.self))
        return true
    }

    /// Allocations and bytes requested so far (since `install`).
    static var totals: (count: Int, bytes: Int) {
        (allocationCount.load(ordering: .relaxed), allocatedBytes.load(ordering: .relaxed))
    }
}

private typealias Malloc = @convention(c) (Int) -> UnsafeMutableRawPointer?
private typealias Realloc = @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer?
private typealias Memalign = @convention(c) (Int, Int) -> UnsafeMutableRawPointer?
private let allocationCount = Atomic<Int>(0)
private let allocatedBytes = Atomic<Int>(0)
// Written once by `install` before the hooks point at the wrappers that read them.
nonisolated(unsafe) private var libcMalloc: Malloc?
nonisolated(unsafe) private var libcRealloc: Realloc?
nonisolated(unsafe) private var libcMemalign: Memalign?
#else
/// Allocation counting needs glibc's malloc hooks; elsewhere nothing is counted.
enum AllocationCounter {
    static let hookLibrary = "libc_malloc_debug.so.0"
    static func reexecuteWithHooks() {}
    static func install() -> Bool { false }
    static var totals: (count: Int, bytes: Int) { (0, 0) }
}
#endif
