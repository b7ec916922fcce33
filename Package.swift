// swift-tools-version: 6.0
// sparnet-dist: data-parallel SPARNet / SPARNetHD training on BLAS and MPI.
// Targets follow DESIGN.md §2; dependencies only point down.
import PackageDescription

let package = Package(
    name: "sparnet-dist",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sparnet-dist", targets: ["sparnet-dist"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "HDF5", targets: ["HDF5"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libopenmpi-dev, libhdf5-dev, libpng-dev,
        // libjpeg62-turbo-dev); each found through pkg-config.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CImageCodecs", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev", "libjpeg62-turbo-dev"])]),

        .target(name: "Tensors"),
        .target(name: "Kernels", dependencies: ["Tensors", "CBLAS"]),
        .target(name: "Optimizers", dependencies: ["Tensors", "Kernels"]),
        .target(name: "Networks", dependencies: ["Tensors", "Kernels"]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "Collectives", dependencies: ["CMPI"]),
        // Crash-safe file replacement (temporary file, fsync, rename, directory fsync).
        .target(name: "DurableFiles"),
        .target(name: "Checkpoints", dependencies: ["Tensors", "Networks", "Optimizers", "HDF5", "DurableFiles"]),
        .target(name: "Datasets", dependencies: ["Tensors", "HDF5", "Imaging", "DurableFiles"]),
        .target(name: "Training", dependencies: ["Tensors", "Kernels", "Networks", "Optimizers", "Collectives", "Configuration",
                                                "Datasets", "Checkpoints", "Imaging", "TensorBoard"]),
        // TensorBoard event files (TFRecord framing, hand-encoded Event/Summary protobufs), written and read back.
        .target(name: "TensorBoard"),
        // setjmp/longjmp error handling for libpng and libjpeg, which Swift cannot do.
        .target(name: "CImageCodecsShim", dependencies: ["CImageCodecs"]),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "CImageCodecsShim", "DurableFiles"]),
        // The run configuration: YAML files, --set overrides, validation (DESIGN.md §9).
        // Its sections are the networks' and the degradation's own parameter types.
        .target(name: "Configuration", dependencies: [
            "Networks", "Datasets", .product(name: "Yams", package: "Yams"),
        ]),
        // Trained generators applied to faces: enhance and eval.
        .target(name: "Inference", dependencies: ["Tensors", "Networks", "Checkpoints", "Configuration", "Imaging"]),
        // Recomputes the PyTorch golden files with our engine (`verify-reference`, tier-3 tests).
        .target(name: "Verification", dependencies: ["Tensors", "Kernels", "Networks", "HDF5", "Imaging", "Configuration",
                                                    "Training", "Collectives"]),
        .executableTarget(name: "sparnet-dist", dependencies: [
            "Tensors", "Kernels", "Networks", "Optimizers", "Collectives", "Datasets", "Verification",
            "Configuration", "Checkpoints", "Inference", "Imaging", "Training", "TensorBoard", "DurableFiles",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Shared by the test targets: Double references, gradient checking, fixture lookup.
        .target(name: "TestSupport", dependencies: ["Kernels", "Imaging", "Datasets", "HDF5"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport", "HDF5"]),
        .testTarget(name: "CollectivesTests", dependencies: ["TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Configuration", "Networks", "Collectives", "Datasets",
                                                     "Verification", "TestSupport"]),
        .testTarget(name: "CommandLineTests", dependencies: ["TestSupport", "HDF5", "Datasets", "Imaging"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "Networks", "Optimizers", "Tensors", "HDF5", "TestSupport"]),
        .testTarget(name: "NetworksTests", dependencies: ["Networks", "Kernels", "Tensors", "Datasets", "Imaging", "Verification", "TestSupport", "HDF5"]),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "TestSupport", "HDF5"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "DurableFiles", "Imaging", "HDF5", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Verification", "TestSupport", "HDF5"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "Datasets", "TestSupport"]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CBLAS", "CMPI", "CHDF5", "CImageCodecs"]),
        .testTarget(name: "PipelineTests", dependencies: ["Datasets", "Imaging", "TestSupport"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", "Imaging", "TestSupport"]),
    ]
)

// Code for the build machine's CPU: with AVX-512 or AVX2 the kernels' SIMD8/SIMD16 transforms
// and the compiler's vectorized loops run two to four times wider than on the x86-64 baseline
// (SSE2), a few percent of a training step (Benchmarks/RESULTS.md). SPARNET_TARGET_CPU names
// another CPU for a binary that must run elsewhere (`haswell`: any x86-64 with AVX2, as the
// Dockerfile builds) or `generic` for the compiler's default. Every target gets the same setting,
// so SIMD values passed between modules agree on their registers.
let targetCPU = Context.environment["SPARNET_TARGET_CPU"] ?? "native"
if targetCPU != "generic" {
    for target in package.targets where target.type != .system {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-target-cpu", targetCPU])]
    }
}
