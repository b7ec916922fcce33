import ArgumentParser

/// `--config FILE` and `--set key=value …`, as `train` and `bench` take them.
struct RunConfigurationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run configuration (YAML), e.g. Configs/quickstart.yaml.", valueName: "config"))
    var config: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a configuration key, e.g. --set train.batch_size=32 (repeatable).",
                                                         valueName: "key=value"))
    var overrides: [String] = []
}
