import Networks

extension StateMismatchError {
    /// The mismatch in a few lines: counts, and at most `limit` keys of each kind (a file of
    /// another model misses hundreds).
    public func summary(limit: Int = 6) -> String {
        func listed(_ keys: [String]) -> String {
            let shown = keys.prefix(limit).joined(separator: ", ")
            return keys.count > limit ? shown + ", … (\(keys.count - limit) more)" : shown
        }
        var lines: [String] = []
        if !missing.isEmpty { lines.append("\(missing.count) missing key(s): " + listed(missing)) }
        if !unexpected.isEmpty { lines.append("\(unexpected.count) unexpected key(s): " + listed(unexpected)) }
        for mismatch in shapeMismatches.prefix(limit) {
            lines.append("\(mismatch.key): the model needs shape \(mismatch.expected), the file holds \(mismatch.found)")
        }
        if shapeMismatches.count > limit { lines.append("… (\(shapeMismatches.count - limit) more shape mismatches)") }
        return lines.joined(separator: "\n  ")
    }
}
