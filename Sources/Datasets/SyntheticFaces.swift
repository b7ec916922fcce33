import Foundation
import Imaging

/// The built-in dataset: procedurally drawn faces (head shape, skin tone, hair, eyes, brows,
/// nose, mouth, pose, lighting, background), each a pure function of (seed, index), so a new
/// user can train without downloading anything and every rank draws the same face for an id.
public struct SyntheticFaces: Sendable {
    public let seed: UInt64
    public let size: Int

    public init(seed: UInt64, size: Int) {
        precondition(size >= 8, "SyntheticFaces: size \(size) is too small to draw a face")
        self.seed = seed
        self.size = size
    }

    /// Draws face `index` into `pixels` (size·size·3 interleaved RGB), with 2×2 supersampling.
    public func render(_ index: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) {
        precondition(pixels.count == size * size * 3, "SyntheticFaces: \(pixels.count) bytes for \(size)×\(size)")
        let face = Face(random: SplitMix(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        let scale = 1 / Double(size)
        for y in 0..<size {
            for x in 0..<size {
                var sum = SIMD3<Double>(repeating: 0)
                for sy in 0..<2 {
                    for sx in 0..<2 {
                        let u = (Double(x) + 0.25 + 0.5 * Double(sx)) * scale
                        let v = (Double(y) + 0.25 + 0.5 * Double(sy)) * scale
                        sum += face.color(atX: u, y: v)
                    }
                }
                let color = sum * 0.25
                let offset = (y * size + x) * 3
                for c in 0..<3 { pixels[offset + c] = UInt8(max(0, min(255, (color[c] * 255).rounded()))) }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * Double(next() >> 11) * 0x1p-53
    }
}

/// One face's random parameters, in unit coordinates (x right, y down, 0…1).
private struct Face {
    let background: (SIMD3<Double>, SIMD3<Double>)
    let skin: SIMD3<Double>
    let hair: SIMD3<Double>
    let iris: SIMD3<Double>
    let lips: SIMD3<Double>
    let center: SIMD2<Double>
    let headRadii: SIMD2<Double>
    let angle: Double
    let light: SIMD2<Double>
    let hairline: Double
    let hairVolume: Double
    let eyeSpacing: Double
    let eyeHeight: Double
    let eyeSize: Double
    let gaze: SIMD2<Double>
    let browTilt: Double
    let noseLength: Double
    let mouthWidth: Double
    let smile: Double

    init(random: SplitMix) {
        var r = random
        func color(_ base: SIMD3<Double>, _ spread: Double) -> SIMD3<Double> {
            SIMD3(base.x + r.uniform(-spread, spread), base.y + r.uniform(-spread, spread),
                  base.z + r.uniform(-spread, spread)).clamped(lowerBound: .zero, upperBound: .one)
        }
        background = (color(SIMD3(0.5, 0.5, 0.5), 0.4), color(SIMD3(0.5, 0.5, 0.5), 0.4))
        // Skin tones from dark to light along one axis, with a little variation.
        let tone = r.uniform(0, 1)
        skin = color(SIMD3(0.36 + 0.56 * tone, 0.23 + 0.52 * tone, 0.16 + 0.48 * tone), 0.04)
        hair = color([SIMD3(0.08, 0.06, 0.05), SIMD3(0.35, 0.22, 0.12), SIMD3(0.75, 0.6, 0.35),
                      SIMD3(0.55, 0.55, 0.55)][Int(r.next() % 4)], 0.06)
        iris = color([SIMD3(0.25, 0.15, 0.08), SIMD3(0.2, 0.35, 0.55), SIMD3(0.25, 0.4, 0.25)][Int(r.next() % 3)], 0.05)
        lips = (skin * SIMD3(0.85, 0.55, 0.55)).clamped(lowerBound: .zero, upperBound: .one)
        center = SIMD2(0.5 + r.uniform(-0.04, 0.04), 0.53 + r.uniform(-0.03, 0.03))
        headRadii = SIMD2(r.uniform(0.26, 0.32), r.uniform(0.34, 0.4))
        angle = r.uniform(-0.15, 0.15)
        let lightAngle = r.uniform(0, 2 * .pi)
        light = SIMD2(cos(lightAngle), sin(lightAngle)) * r.uniform(0.1, 0.35)
        hairline = r.uniform(0.55, 0.8)
        hairVolume = r.uniform(1.0, 1.25)
        eyeSpacing = r.uniform(0.34, 0.42)
        eyeHeight = r.uniform(-0.12, -0.02)
        eyeSize = r.uniform(0.09, 0.13)
        gaze = SIMD2(r.uniform(-0.3, 0.3), r.uniform(-0.2, 0.2))
        browTilt = r.uniform(-0.25, 0.25)
        noseLength = r.uniform(0.18, 0.3)
        mouthWidth = r.uniform(0.28, 0.42)
        smile = r.uniform(-0.05, 0.25)
    }

    /// The color at (u, v), painted back to front.
    func color(atX u: Double, y v: Double) -> SIMD3<Double> {
        var color = background.0 + (background.1 - background.0) * v
        // Face coordinates: unit head radii, rotated by the pose.
        let d = SIMD2(u, v) - center
        let (c, s) = (cos(angle), sin(angle))
        let p = SIMD2((c * d.x + s * d.y) / headRadii.x, (-s * d.x + c * d.y) / headRadii.y)
        let head = (p * p).sum()
        // Hair behind the head: a larger ellipse above the hairline.
        let hairShape = SIMD2(p.x / hairVolume, (p.y + 0.15) / (hairVolume * 1.05))
        if (hairShape * hairShape).sum() < 1 && p.y < 0.35 { color = hair }
        // Neck.
        if abs(p.x) < 0.45 && p.y > 0.8 && p.y < 1.6 { color = skin * 0.8 }
        guard head < 1 else { return color }
        // Skin with directional light and darker edges.
        let shade = 1 + (light * p).sum() - 0.25 * head * head
        color = (skin * shade).clamped(lowerBound: .zero, upperBound: .one)
        // Hair over the forehead.
        if p.y < -hairline + 0.12 * cos(p.x * 3) { return hair }
        // Eyes: white, iris, pupil, highlight.
        for side in [-1.0, 1.0] {
            let eye = SIMD2((p.x - side * eyeSpacing) / (eyeSize * 1.6), (p.y - eyeHeight) / eyeSize)
            let inEye = (eye * eye).sum()
            if inEye < 1 {
                let pupil = eye - gaze
                let r2 = (pupil * pupil).sum()
                if r2 < 0.04 { return SIMD3(0.02, 0.02, 0.02) }
                if r2 < 0.3 { return iris * (0.8 + 0.4 * (1 - r2 / 0.3)) }
                return SIMD3(0.93, 0.92, 0.9)
            }
            // Brow: a thick tilted bar above the eye.
            let brow = SIMD2(p.x - side * eyeSpacing, p.y - (eyeHeight - eyeSize * 1.9) - side * browTilt * (p.x - side * eyeSpacing))
            if abs(brow.x) < eyeSize * 1.8 && abs(brow.y) < eyeSize * 0.3 { return hair * 0.9 }
        }
        // Nose: a soft shadow along one side and a darker tip.
        let noseTop = eyeHeight + 0.05, noseBottom = noseTop + noseLength
        if p.y > noseTop && p.y < noseBottom {
            let width = 0.04 + 0.1 * (p.y - noseTop) / noseLength
            if abs(p.x - 0.03) < width * 0.35 { color *= 0.88 }
            if p.y > noseBottom - 0.04 && abs(p.x) < width { color *= 0.8 }
        }
        // Mouth: a curved band.
        let mouthY = noseBottom + 0.14 - smile * (1 - pow(p.x / mouthWidth, 2)) * 0.4
        if abs(p.x) < mouthWidth && abs(p.y - mouthY) < 0.035 + 0.02 * (1 - abs(p.x) / mouthWidth) {
            return abs(p.y - mouthY) < 0.008 ? lips * 0.5 : lips
        }
        return color
    }
}

extension SyntheticFaces {
    /// Draws faces `0..<count` on `threads` threads and writes them in order into `shards`
    /// shards of `output` (names `synthetic-<seed>-<index>`); returns the shard paths.
    /// - Throws: `DatasetError` naming the output when it cannot be written; nothing is left
    ///   under a final or temporary name after an error.
    @discardableResult
    public func writeShards(to output: String, count: Int, shards: Int = 1, gzipLevel: Int? = nil,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            progress: (Int) -> Void = { _ in }) throws -> [String] {
        let writer = try ImageShardSetWriter(output: output, capacity: count, shards: shards,
                                             height: size, width: size, gzipLevel: gzipLevel)
        defer { writer.discard() }
        let threads = max(1, threads)
        try forEachInOrder(count: count, threads: threads, window: 4 * threads, transform: { index in
            RGBImage(width: size, height: size) { render(index, into: $0) }
        }, consume: { index, face in
            try face.withUnsafePixels { try writer.write($0, item: index, name: "synthetic-\(seed)-\(index)") }
            progress(index + 1)
        })
        return try writer.commit()
    }
}
