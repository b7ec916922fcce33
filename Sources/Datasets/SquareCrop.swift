import Foundation
import Imaging

/// How `prepare` makes a photo square before resizing it: face datasets come in other shapes
/// (CelebA's aligned crops are 178×218) and a stretched face is not a face the paper trains on.
public enum SquareCrop: Sendable, Equatable {
    /// The largest centered square: CelebA's aligned 178×218 keeps rows 20..<198, the face.
    case center
    /// No crop: the photo is stretched to a square (its aspect ratio is lost).
    case stretch
    /// Around each photo's face box (CelebA's `list_bbox_celeba.txt`, for `img_celeba`), by
    /// file name: the square of side max(width, height) centered on the box, shifted and
    /// shrunk to fit the photo; a photo with no box is cropped as `center`.
    case faceBoxes([String: FaceBox])

    /// The square window of a `width`×`height` photo named `name` (its file name is looked up
    /// in the boxes), or nil to stretch.
    func window(width: Int, height: Int, name: String) -> (x: Int, y: Int, side: Int)? {
        switch self {
        case .stretch:
            return nil
        case .center:
            let side = min(width, height)
            return ((width - side) / 2, (height - side) / 2, side)
        case .faceBoxes(let boxes):
            guard let box = boxes[(name as NSString).lastPathComponent] else {
                return SquareCrop.center.window(width: width, height: height, name: name)
            }
            let side = min(max(box.width, box.height), width, height)
            func start(_ boxStart: Int, _ boxLength: Int, _ limit: Int) -> Int {
                min(max(0, boxStart + boxLength / 2 - side / 2), limit - side)
            }
            return (start(box.x, box.width, width), start(box.y, box.height, height), side)
        }
    }
}

/// A face's bounding box in a photo, in pixels: top-left corner, width and height.
public struct FaceBox: Sendable, Equatable {
    public let x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// The boxes of a CelebA-style list, by image file name: an optional count line, an
    /// optional header line (`image_id x_1 y_1 width height`), then `name x y width height`
    /// per line. Throws `DatasetError` naming the file and line of the first malformed entry.
    public static func list(contentsOfFile path: String) throws -> [String: FaceBox] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DatasetError("\(path): cannot read the face-box list (\(error.localizedDescription))")
        }
        var boxes: [String: FaceBox] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.isEmpty { continue }
            if index < 2 && (fields.count == 1 || fields.first == "image_id") { continue }   // count, header
            let numbers = fields.dropFirst().compactMap { Int($0) }
            guard fields.count == 5, numbers.count == 4, numbers[0] >= 0, numbers[1] >= 0, numbers[2] > 0, numbers[3] > 0 else {
                throw DatasetError("\(path):\(index + 1): expected \"NAME X Y WIDTH HEIGHT\" (non-negative corner, positive size), got \"\(line)\"")
            }
            boxes[String(fields[0])] = FaceBox(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3])
        }
        guard !boxes.isEmpty else { throw DatasetError("\(path): no face boxes listed") }
        return boxes
    }
}
