import Datasets

/// `data:` where the training images come from and how each (LR, HR) pair is made from one.
///
/// With no `degrade` section the LR input is the HR image downsampled ×`scale_factor` with
/// bicubic and upsampled back to the generator's input size (paper §IV-A, the released
/// `celeba_dataset.py`); with one, it is the random degradation of paper eq. 14 and `scale_factor`
/// is unused.
public struct DataSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Image shard files: globs, concatenated in sorted path order (DESIGN §6).
    public var train = ["data/celeba-*.h5"]
    /// HR side / LR side for the bicubic LR (paper: 128 / 16 = 8).
    public var scaleFactor = 8
    /// Who reads the shards: every rank its own samples, or rank 0 for all (DESIGN §5).
    public var feed = FeedKind.shards
    public var augment = AugmentationSettings()
    /// The random degradation of paper eq. 14 (SPARNetHD), or nil for bicubic ×`scaleFactor`.
    public var degrade: DegradationSettings? = nil
    /// Loader threads per rank (released code: `--num_threads 8` per GPU process).
    public var workers = 2
    /// Shards of held-out HR faces at the generator's size (globs), scored during training:
    /// PSNR and SSIM on Y against bicubic, as `eval` scores them; empty: no validation.
    public var validation: [String] = []
    /// Steps between validations (and at the last step).
    public var validationEverySteps = 500

    public init() {}

    static var fields: [SettingField<Self>] {
        [.globs("train", \.train),
         .value("scale_factor", \.scaleFactor),
         .choice("feed", \.feed),
         .section("augment", \.augment),
         .optionalSection("degrade", \.degrade, base: { DegradationSettings() }),
         .value("workers", \.workers),
         .globs("validation", \.validation),
         .value("validation_every_steps", \.validationEverySteps)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}

/// How samples reach the ranks (DESIGN §5).
public enum FeedKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// Every rank reads its own samples from the shared shard files.
    case shards
    /// Rank 0 reads and scatters (for data only rank 0 can see).
    case coordinator
}

/// `data.augment:` random geometric augmentation of the HR image, before the LR is made.
public struct AugmentationSettings: Codable, Hashable, Sendable, SettingsSection {
    /// Random horizontal flip (paper §IV-A; released `RandomHorizontalFlip`).
    public var flip = true
    /// Random rescale factor range: above 1 zooms in (crop), below 1 zooms out (pad) — paper
    /// §IV-A "between 1.0 and 1.3", released `Scale((1.0, 1.3))`.
    public var scale = 1.0...1.3
    /// Random rotation by 90°, 180° or 270° (paper §IV-A; the released code does not rotate).
    public var rotate90 = true

    public init() {}

    /// No augmentation (SPARNetHD: the released `ffhq_dataset.py` has none).
    public static let none: AugmentationSettings = {
        var a = AugmentationSettings()
        a.flip = false
        a.scale = 1.0...1.0
        a.rotate90 = false
        return a
    }()

    static var fields: [SettingField<Self>] {
        [.value("flip", \.flip), .interval("scale", \.scale), .value("rotate90", \.rotate90)]
    }

    public init(from decoder: Decoder) throws { try self.init(from: decoder, over: Self()) }
    public func encode(to encoder: Encoder) throws { try encodeSettings(to: encoder) }
}
