import Datasets

// `data.degrade`: the degradation's own settings type (`Datasets.DegradationSettings`) is the
// section; these tables give its keys.

extension DegradationSettings: SettingsSection {
    static var fields: [SettingField<Self>] {
        [.value("grayscale_probability", \.grayscaleProbability),
         .section("blur", \.blur),
         .interval("downsample", \.downsample),
         .section("noise", \.noise),
         .section("jpeg", \.jpeg)]
    }
}

extension BlurSettings: SettingsSection {
    static var fields: [SettingField<Self>] {
        [.value("probability", \.probability),
         .section("gaussian", \.gaussian),
         .section("average", \.average),
         .section("median", \.median),
         .section("motion", \.motion)]
    }
}

extension GaussianBlurSettings: SettingsSection {
    static var fields: [SettingField<Self>] { [.value("weight", \.weight), .interval("sigma", \.sigma)] }
}

extension KernelBlurSettings: SettingsSection {
    static var fields: [SettingField<Self>] { [.value("weight", \.weight), .interval("kernel", \.kernel)] }
}

extension NoiseSettings: SettingsSection {
    static var fields: [SettingField<Self>] {
        [.value("probability", \.probability),
         .value("sigma_max", \.sigmaMax),
         .value("per_channel_probability", \.perChannelProbability)]
    }
}

extension JPEGSettings: SettingsSection {
    static var fields: [SettingField<Self>] { [.value("probability", \.probability), .interval("quality", \.quality)] }
}
