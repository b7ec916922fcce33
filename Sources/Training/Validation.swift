import Collectives
import Configuration
import Datasets
import Foundation
import Imaging
import Networks

/// Held-out faces (`data.validation`) scored during training as `eval` scores a model: each HR
/// face downsampled ×`data.scale_factor` and upsampled back with Pillow's bicubic (the bicubic
/// baseline and the generator's input), then PSNR and SSIM on Y of both against the HR face.
/// The faces are sharded over the ranks (rank r scores faces r, r + size, …) and the sums
/// reduced, so every rank works its share and none waits for the coordinator.
final class Validation {
    /// Means over the held-out faces, and what scoring them cost.
    struct Scores {
        let psnrY: Double
        let ssimY: Double
        let bicubicPSNRY: Double
        let bicubicSSIMY: Double
        let images: Int
        let seconds: Double

        /// As metrics.jsonl and TensorBoard name them.
        var fields: [(name: String, value: Double)] {
            [("psnr_y", psnrY), ("ssim_y", ssimY), ("bicubic_psnr_y", bicubicPSNRY), ("bicubic_ssim_y", bicubicSSIMY)]
        }
    }

    let everySteps: Int
    /// The held-out shards; nil on a rank that cannot see them (`data.feed: coordinator`).
    private let dataset: ImageDataset?
    private let factor: Int
    private let size: Int
    /// This rank's faces.
    private let indices: [Int]

    /// The held-out faces of `data`, for a generator of `size`×`size`; nil without
    /// `data.validation`. With `data.feed: shards` every rank scores its share; with
    /// `coordinator` rank 0 scores them all and the others only take part in the sum.
    init?(_ data: DataSettings, size: Int, rank: Int, ranks: Int) throws {
        guard !data.validation.isEmpty else { return nil }
        (everySteps, factor, self.size) = (data.validationEverySteps, data.scaleFactor, size)
        let (share, shares) = data.feed == .shards ? (rank, ranks) : (0, 1)
        guard share == rank else {
            (dataset, indices) = (nil, [])
            return
        }
        let dataset: ImageDataset
        do {
            dataset = try ImageDataset(patterns: data.validation)
        } catch {
            throw ConfigurationError(key: "data.validation", message: "\(error)")
        }
        guard dataset.height == size && dataset.width == size else {
            throw ConfigurationError(key: "data.validation", message:
                "\(data.validation.joined(separator: ", ")) holds \(dataset.height)×\(dataset.width) faces; the generator works at \(size)×\(size)")
        }
        self.dataset = dataset
        indices = Array(stride(from: share, to: dataset.count, by: shares))
    }

    /// Scores `generator` (in inference mode: BatchNorm's running statistics) on every
    /// held-out face; a collective, so every rank calls it at the same step.
    func score(_ generator: SPARNet, communicator: any Communicator) throws -> Scores {
        let start = Date()
        let memory = generator.memory, batch = generator.batch
        let plane = 3 * size * size
        // PSNR, SSIM, bicubic PSNR, bicubic SSIM, faces: summed over this rank's faces.
        var sums = [Double](repeating: 0, count: 5)
        for first in stride(from: 0, to: indices.count, by: batch) {
            let chunk = indices[first..<min(first + batch, indices.count)]
            var faces: [(hr: RGBImage, bicubic: RGBImage)] = []
            for index in chunk {
                let hr = try RGBImage(width: size, height: size) { try dataset!.read(index, into: $0) }
                let bicubic = hr.resized(width: size / factor, height: size / factor).resized(width: size, height: size)
                faces.append((hr, bicubic))
            }
            // A short last chunk repeats its last face in the generator's other slots.
            for slot in 0..<batch {
                faces[min(slot, faces.count - 1)].bicubic.writeNormalizedPlanes(into: memory.value(generator.input) + slot * plane)
            }
            generator.forward(training: false)
            for (slot, face) in faces.enumerated() {
                let sr = RGBImage(normalizedPlanes: memory.value(generator.output) + slot * plane, width: size, height: size)
                sums[0] += ImageMetrics.psnrY(sr, reference: face.hr)
                sums[1] += ImageMetrics.ssimY(sr, reference: face.hr)
                sums[2] += ImageMetrics.psnrY(face.bicubic, reference: face.hr)
                sums[3] += ImageMetrics.ssimY(face.bicubic, reference: face.hr)
                sums[4] += 1
            }
        }
        sums = communicator.allReduceSum(sums)
        let n = max(sums[4], 1)
        return Scores(psnrY: sums[0] / n, ssimY: sums[1] / n, bicubicPSNRY: sums[2] / n, bicubicSSIMY: sums[3] / n,
                      images: Int(sums[4]), seconds: Date().timeIntervalSince(start))
    }
}
