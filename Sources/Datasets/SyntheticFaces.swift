import Foundation
import Imaging

/// The built-in dataset: procedurally drawn faces (head shape, skin tone, hair style and strands,
/// ears, almond eyes with lids and glints, brows, optional glasses, nose, smiling or neutral
/// lips, shoulders in clothes, pose, lighting, muted background), each a pure function of
/// (seed, index), so a new user can train without downloading anything and every rank draws
/// the same face for an id. Cartoon-like: flat shading with faint texture, not photographs.
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

/// One face's random parameters, in unit coordinates (x right, y down, 0…1); features are
/// placed in head coordinates (the head a unit circle, rotated by the pose).
private struct Face {
    let background: (SIMD3<Double>, SIMD3<Double>)
    let clothes: SIMD3<Double>
    let skin: SIMD3<Double>
    let hair: SIMD3<Double>
    let iris: SIMD3<Double>
    let lips: SIMD3<Double>
    let center: SIMD2<Double>
    let headRadii: SIMD2<Double>
    /// cos and sin of the head's rotation.
    let rotation: SIMD2<Double>
    let light: SIMD2<Double>
    let shoulderWidth: Double
    let hairline: Double
    let hairVolume: Double
    let hairLength: Double
    let strandFrequency: Double
    let phase: Double
    let eyeSpacing: Double
    let eyeHeight: Double
    let eyeWidth: Double
    let eyeOpening: Double
    let gaze: SIMD2<Double>
    let browTilt: Double
    let browArch: Double
    let glasses: SIMD3<Double>?
    let noseLength: Double
    let noseWidth: Double
    let mouthWidth: Double
    let smile: Double
    let lipThickness: Double

    init(random: SplitMix) {
        var r = random
        func color(_ base: SIMD3<Double>, _ spread: Double) -> SIMD3<Double> {
            SIMD3(base.x + r.uniform(-spread, spread), base.y + r.uniform(-spread, spread),
                  base.z + r.uniform(-spread, spread)).clamped(lowerBound: .zero, upperBound: .one)
        }
        // Muted backgrounds, as behind real portraits.
        let gray = SIMD3<Double>(repeating: r.uniform(0.25, 0.85))
        background = (color(gray, 0.2), color(gray, 0.2))
        clothes = color(SIMD3(0.45, 0.45, 0.45), 0.35)
        // Skin tones from dark to light along one axis, with a little variation.
        let tone = r.uniform(0, 1)
        skin = color(SIMD3(0.36 + 0.56 * tone, 0.23 + 0.52 * tone, 0.16 + 0.48 * tone), 0.04)
        hair = color([SIMD3(0.08, 0.06, 0.05), SIMD3(0.3, 0.19, 0.1), SIMD3(0.7, 0.55, 0.3),
                      SIMD3(0.55, 0.55, 0.55), SIMD3(0.5, 0.2, 0.08)][Int(r.next() % 5)], 0.05)
        iris = color([SIMD3(0.25, 0.15, 0.08), SIMD3(0.2, 0.35, 0.55), SIMD3(0.25, 0.4, 0.25)][Int(r.next() % 3)], 0.05)
        lips = (skin * SIMD3(0.9, 0.62, 0.62) + SIMD3(0.06, 0, 0)).clamped(lowerBound: .zero, upperBound: .one)
        center = SIMD2(0.5 + r.uniform(-0.04, 0.04), 0.5 + r.uniform(-0.03, 0.03))
        headRadii = SIMD2(r.uniform(0.25, 0.3), r.uniform(0.32, 0.37))
        let angle = r.uniform(-0.15, 0.15)
        rotation = SIMD2(cos(angle), sin(angle))
        let lightAngle = r.uniform(0, 2 * .pi)
        light = SIMD2(cos(lightAngle), sin(lightAngle)) * r.uniform(0.1, 0.35)
        shoulderWidth = r.uniform(0.42, 0.55)
        hairline = r.uniform(0.5, 0.85)
        hairVolume = r.uniform(1.02, 1.25)
        hairLength = [r.uniform(-0.2, 0.1), r.uniform(0.2, 0.6), r.uniform(1.0, 1.6)][Int(r.next() % 3)]
        strandFrequency = r.uniform(30, 60)
        phase = r.uniform(0, 2 * .pi)
        eyeSpacing = r.uniform(0.34, 0.4)
        eyeHeight = r.uniform(-0.12, -0.04)
        eyeWidth = r.uniform(0.14, 0.18)
        eyeOpening = r.uniform(0.42, 0.58)
        gaze = SIMD2(r.uniform(-0.25, 0.25), r.uniform(-0.1, 0.1))
        browTilt = r.uniform(-0.15, 0.1)
        browArch = r.uniform(0, 0.05)
        glasses = r.uniform(0, 1) < 0.2 ? color(SIMD3(0.15, 0.12, 0.1), 0.1) : nil
        noseLength = r.uniform(0.22, 0.3)
        noseWidth = r.uniform(0.08, 0.12)
        mouthWidth = r.uniform(0.22, 0.32)
        smile = r.uniform(-0.02, 0.1)
        lipThickness = r.uniform(0.03, 0.05)
    }

    /// The color at (u, v), painted back to front.
    func color(atX u: Double, y v: Double) -> SIMD3<Double> {
        let fromCenter = SIMD2(u - 0.5, v - 0.5)
        var color = (background.0 + (background.1 - background.0) * v) * (1 - 0.4 * (fromCenter * fromCenter).sum())
        // Shoulders in clothes; the body does not turn with the head.
        let body = SIMD2((u - center.x) / shoulderWidth, (v - center.y - headRadii.y * 2.05) / 0.36)
        if (body * body).sum() < 1 { color = clothes * (0.8 + 0.25 * (light.x * body.x + 0.5)) }
        // Face coordinates: unit head radii, rotated by the pose.
        let d = SIMD2(u, v) - center
        let (c, s) = (rotation.x, rotation.y)
        let p = SIMD2((c * d.x + s * d.y) / headRadii.x, (-s * d.x + c * d.y) / headRadii.y)
        let head = (p * p).sum()
        // Hair behind the head, from the crown down to its length.
        let hairShape = SIMD2(p.x / hairVolume, (p.y + 0.12) / (hairVolume * 1.05))
        if p.y < hairLength && ((hairShape * hairShape).sum() < 1 || (p.y > 0 && abs(p.x) < hairVolume * 0.92)) {
            color = hairColor(p) * 0.8
        }
        // Neck, and ears at eye height.
        if abs(p.x) < 0.42 && p.y > 0.7 && p.y < 2.2 { color = skin * (0.72 + 0.1 * light.x * p.x) }
        if head >= 1 {
            for side in [-1.0, 1.0] {
                let ear = SIMD2((p.x - side * 0.97) / 0.13, (p.y - eyeHeight - 0.14) / 0.21)
                if (ear * ear).sum() < 1 { return skin * (0.82 + 0.3 * (light * p).sum()) }
            }
            return color
        }
        // Skin with directional light, darker edges, a faint texture and warm cheeks.
        var shade = 1 + (light * p).sum() - 0.25 * head * head
        shade *= 1 + 0.02 * sin(83 * p.x + phase) * sin(71 * p.y - phase)
        color = skin * shade
        for side in [-1.0, 1.0] {
            let cheek = SIMD2(p.x - side * 0.45, p.y - 0.25)
            color += SIMD3(0.06, -0.01, -0.01) * max(0, 1 - (cheek * cheek).sum() / 0.04)
        }
        color = color.clamped(lowerBound: .zero, upperBound: .one)
        // Hair over the forehead.
        if p.y < -hairline + 0.12 * cos(p.x * 3) { return hairColor(p) }
        for side in [-1.0, 1.0] {
            if let feature = eye(p, side: side) { return feature }
        }
        if let glasses {
            for side in [-1.0, 1.0] {
                let rim = SIMD2(p.x - side * eyeSpacing, (p.y - eyeHeight) * 1.25)
                if abs((rim * rim).sum().squareRoot() - eyeWidth * 1.45) < 0.025 { return glasses }
            }
            if abs(p.y - eyeHeight + 0.03) < 0.018 && abs(p.x) < eyeSpacing - eyeWidth * 1.45 { return glasses }
        }
        // Nose: a shadow on the side away from the light, a lit tip and two nostrils.
        let noseTop = eyeHeight + 0.05, noseBottom = noseTop + noseLength
        if p.y > noseTop && p.y < noseBottom {
            let along = (p.y - noseTop) / noseLength
            let side = light.x > 0 ? -1.0 : 1.0
            let edge = side * (p.x - side * noseWidth * (0.3 + 0.5 * along))
            if edge > -0.025 && edge < 0.015 { color *= 0.86 }
        }
        let tip = SIMD2(p.x / noseWidth, (p.y - noseBottom + 0.04) / 0.06)
        if (tip * tip).sum() < 1 { color = (color * 1.06).clamped(lowerBound: .zero, upperBound: .one) }
        for side in [-1.0, 1.0] {
            let nostril = SIMD2((p.x - side * noseWidth * 0.55) / 0.05, (p.y - noseBottom) / 0.026)
            if (nostril * nostril).sum() < 1 { return skin * 0.45 }
        }
        // Mouth: the corners rise with the smile; upper and lower lips around a dark line.
        let across = p.x / mouthWidth
        if abs(across) < 1 {
            let line = noseBottom + 0.17 + smile * (1 - across * across)
            let taper = (1 - across * across).squareRoot()
            let offset = p.y - line
            if abs(offset) < 0.009 * (0.5 + taper) { return lips * 0.45 }
            if offset < 0 && -offset < lipThickness * taper { return lips * 0.92 }
            if offset > 0 && offset < lipThickness * 1.3 * taper { return lips * (1.05 - 0.3 * offset / lipThickness) }
        }
        return color
    }

    /// Hair with strands falling from above the crown, lit from the light's side.
    private func hairColor(_ p: SIMD2<Double>) -> SIMD3<Double> {
        let strands = 0.5 + 0.5 * sin(strandFrequency * atan2(p.x, p.y + 1.4) + phase)
        return (hair * (0.78 + 0.3 * strands + (light * p).sum() * 0.5)).clamped(lowerBound: .zero, upperBound: .one)
    }

    /// The almond-shaped eye on `side` (−1 left, +1 right) with its lid line and brow, or nil
    /// outside them.
    private func eye(_ p: SIMD2<Double>, side: Double) -> SIMD3<Double>? {
        let q = SIMD2(p.x - side * eyeSpacing, p.y - eyeHeight) / eyeWidth
        let lid = eyeOpening * (1 - q.x * q.x)
        if abs(q.x) < 1 {
            if q.y > -lid - 0.14 && q.y < -lid + 0.1 { return SIMD3(0.08, 0.06, 0.05) }
            if abs(q.y) < lid {
                let pupil = q - gaze
                let r2 = (pupil * pupil).sum()
                let glint = pupil + SIMD2(0.14, 0.14)
                if (glint * glint).sum() < 0.006 { return SIMD3(0.97, 0.97, 0.97) }
                if r2 < 0.03 { return SIMD3(0.02, 0.02, 0.02) }
                if r2 < 0.2 { return iris * (0.7 + 0.6 * (1 - r2 / 0.2)) }
                return SIMD3(0.9, 0.88, 0.85) * (0.85 + 0.15 * (1 - abs(q.x)))
            }
        }
        // Brow: an arched bar above the eye, thinning outwards.
        let t = q.x / 1.25
        if abs(t) < 1 {
            let browY = -eyeOpening - 0.9 - (browArch / eyeWidth) * (1 - t * t) - side * browTilt * q.x
            if abs(q.y - browY) < 0.22 * (1 - 0.5 * t * side) { return hairColor(p) * 0.85 }
        }
        return nil
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
