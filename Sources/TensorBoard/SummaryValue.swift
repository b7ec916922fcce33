/// One `Summary.Value` (tensorflow/core/framework/summary.proto): field 1 `tag`, then
/// 2 `simple_value` (float) for a scalar or 4 `image` (a `Summary.Image`: 1 height, 2 width,
/// 3 colorspace, 4 encoded_image_string) for an image.
public struct SummaryValue: Equatable, Sendable {
    /// What the value holds.
    public enum Content: Equatable, Sendable {
        /// A scalar (TensorBoard's Scalars tab).
        case scalar(Float)
        /// An encoded image (Images tab).
        case image(Image)
        /// A kind of value this reader does not model (histograms, tensors, …).
        case other
    }

    /// An image summary: PNG (or JPEG) bytes and their size.
    public struct Image: Equatable, Sendable {
        public var width: Int
        public var height: Int
        /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
        public var colorspace: Int
        /// The encoded file's bytes.
        public var encoded: [UInt8]

        /// An image summary of `encoded` bytes of a `width`×`height` image.
        public init(width: Int, height: Int, colorspace: Int = 3, encoded: [UInt8]) {
            self.width = width
            self.height = height
            self.colorspace = colorspace
            self.encoded = encoded
        }
    }

    /// The name TensorBoard groups by (`loss/pixel`: section `loss`).
    public var tag: String
    public var content: Content

    /// A scalar value.
    public static func scalar(_ tag: String, _ value: Float) -> SummaryValue {
        SummaryValue(tag: tag, content: .scalar(value))
    }

    /// An image value.
    public static func image(_ tag: String, _ image: Image) -> SummaryValue {
        SummaryValue(tag: tag, content: .image(image))
    }

    /// A value of `content` under `tag`.
    public init(tag: String, content: Content) {
        self.tag = tag
        self.content = content
    }

    /// The scalar, if this is one.
    public var scalar: Float? { if case .scalar(let value) = content { value } else { nil } }
    /// The image, if this is one.
    public var image: Image? { if case .image(let image) = content { image } else { nil } }

    func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        writer.append(1, string: tag)
        switch content {
        case .scalar(let value):
            writer.append(2, float: value)   // a oneof member: written even when 0
        case .image(let image):
            var inner = ProtobufWriter()
            if image.height != 0 { inner.append(1, integer: Int64(image.height)) }
            if image.width != 0 { inner.append(2, integer: Int64(image.width)) }
            if image.colorspace != 0 { inner.append(3, integer: Int64(image.colorspace)) }
            if !image.encoded.isEmpty { inner.append(4, bytes: image.encoded) }
            writer.append(4, bytes: inner.bytes)
        case .other:
            break
        }
        return writer.bytes
    }

    init(decoding bytes: [UInt8]) throws {
        self.init(tag: "", content: .other)
        for (field, value) in try ProtobufReader.fields(of: bytes) {
            switch field {
            case 1: tag = try value.string ?? wrongType("Summary.Value.tag")
            case 2: content = .scalar(try value.float ?? wrongType("Summary.Value.simple_value"))
            case 4:
                var image = Image(width: 0, height: 0, colorspace: 0, encoded: [])
                for (imageField, item) in try ProtobufReader.fields(of: try value.bytes ?? wrongType("Summary.Value.image")) {
                    switch imageField {
                    case 1: image.height = Int(try item.integer ?? wrongType("Summary.Image.height"))
                    case 2: image.width = Int(try item.integer ?? wrongType("Summary.Image.width"))
                    case 3: image.colorspace = Int(try item.integer ?? wrongType("Summary.Image.colorspace"))
                    case 4: image.encoded = try item.bytes ?? wrongType("Summary.Image.encoded_image_string")
                    default: continue
                    }
                }
                content = .image(image)
            default: continue
            }
        }
    }
}
