import Foundation
import Yams

// Coding helpers shared by every settings section. Decoding works with any Decoder (Yams for the
// YAML files, Foundation's JSON decoder for the copy stored in checkpoints): an absent key takes
// the section's default, a key the section does not define is rejected, and every failure is
// a ConfigurationError naming the full key path and what is allowed there.

/// A coding key for any string, to read the keys a mapping actually has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// The dotted key path (`train.loss_weights.pixel`) of a coding path and an optional last key.
func keyPath(_ codingPath: [CodingKey], _ last: CodingKey? = nil) -> String {
    (codingPath + [last].compactMap { $0 }).map(\.stringValue).joined(separator: ".")
}

/// A mapping of settings: its keys, each given once in `fields` with the property it sets.
/// Decoding and encoding are the table's (`init(from:over:)`, `encodeSettings(to:)`): an absent
/// key keeps the value already there, a key not in the table is rejected with its full path.
protocol SettingsSection {
    /// The keys in the order the resolved configuration lists them.
    static var fields: [SettingField<Self>] { get }
}

extension SettingsSection {
    /// The keys `decoder` holds, each decoded over `defaults`.
    init(from decoder: Decoder, over defaults: Self) throws {
        let fields = Self.fields
        let c = try decoder.settingsContainer(allowing: fields.map(\.name))
        var section = defaults
        for field in fields {
            let key = AnyCodingKey(stringValue: field.name)
            if c.contains(key) { try field.decode(c, key, &section) }
        }
        self = section
    }

    /// Every key of the table, in order.
    func encodeSettings(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        for field in Self.fields { try field.encode(&c, AnyCodingKey(stringValue: field.name), self) }
    }
}

/// One key of a settings section: its name and how the value at it is read into the section
/// (only when the key is present) and written from it.
struct SettingField<Section> {
    typealias Decode = (KeyedDecodingContainer<AnyCodingKey>, AnyCodingKey, inout Section) throws -> Void
    typealias Encode = (inout KeyedEncodingContainer<AnyCodingKey>, AnyCodingKey, Section) throws -> Void
    let name: String
    let decode: Decode
    let encode: Encode

    /// A key read and written by hand (a preset, a value of several forms).
    static func custom(_ name: String, decode: @escaping Decode, encode: @escaping Encode) -> Self {
        Self(name: name, decode: decode, encode: encode)
    }

    /// A scalar.
    static func value<T: SettingValue>(_ name: String, _ property: WritableKeyPath<Section, T>) -> Self {
        Self(name: name, decode: { c, key, s in s[keyPath: property] = try c.value(key, or: s[keyPath: property]) },
             encode: { c, key, s in try c.encode(s[keyPath: property].encoded, forKey: key) })
    }

    /// A scalar or null.
    static func optional<T: SettingValue>(_ name: String, _ property: WritableKeyPath<Section, T?>) -> Self {
        Self(name: name, decode: { c, key, s in s[keyPath: property] = try c.optionalValue(key, or: s[keyPath: property]) },
             encode: { c, key, s in try c.encode(s[keyPath: property].map(\.encoded), forKey: key) })
    }

    /// A list of file globs; one glob may be written as a plain string.
    static func globs(_ name: String, _ property: WritableKeyPath<Section, [String]>) -> Self {
        Self(name: name, decode: { c, key, s in
                 if try !c.decodeNil(forKey: key), let list = try? c.decode([String].self, forKey: key) {
                     s[keyPath: property] = list
                 } else if try !c.decodeNil(forKey: key), let single = try? c.decode(String.self, forKey: key) {
                     s[keyPath: property] = [single]
                 } else {
                     throw c.mismatch(key, expected: "a list of file globs")
                 }
             }, encode: { c, key, s in try c.encode(s[keyPath: property], forKey: key) })
    }

    /// One of an enumeration's raw values.
    static func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ property: WritableKeyPath<Section, T>) -> Self
    where T.RawValue == String {
        Self(name: name, decode: { c, key, s in s[keyPath: property] = try c.choice(key, or: s[keyPath: property]) },
             encode: { c, key, s in try c.encode(s[keyPath: property].rawValue, forKey: key) })
    }

    /// A range written `[low, high]`.
    static func interval<T: SettingValue & Comparable>(_ name: String, _ property: WritableKeyPath<Section, ClosedRange<T>>) -> Self {
        Self(name: name, decode: { c, key, s in s[keyPath: property] = try c.interval(key, or: s[keyPath: property]) },
             encode: { c, key, s in
                 let range = s[keyPath: property]
                 try c.encode([range.lowerBound.encoded, range.upperBound.encoded], forKey: key)
             })
    }

    /// A nested section, decoded over the one already there: it may give only some of its keys.
    static func section<T: SettingsSection>(_ name: String, _ property: WritableKeyPath<Section, T>) -> Self {
        Self(name: name, decode: { c, key, s in s[keyPath: property] = try c.section(key, or: s[keyPath: property]) },
             encode: { c, key, s in try c.encode(SectionEncoding(section: s[keyPath: property]), forKey: key) })
    }

    /// An optional nested section: null for none, else decoded over the one there or, when
    /// there is none, over `base`.
    static func optionalSection<T: SettingsSection>(_ name: String, _ property: WritableKeyPath<Section, T?>,
                                                    base: @escaping () -> T) -> Self {
        Self(name: name,
             decode: { c, key, s in s[keyPath: property] = try c.optionalSection(key, or: s[keyPath: property], base: base()) },
             encode: { c, key, s in try c.encode(s[keyPath: property].map(SectionEncoding.init), forKey: key) })
    }
}

/// A section written through its field table.
struct SectionEncoding<Section: SettingsSection>: Encodable {
    let section: Section
    func encode(to encoder: Encoder) throws { try section.encodeSettings(to: encoder) }
}

/// A scalar or list a setting can hold, with the phrase an error uses for it.
protocol SettingValue: Codable {
    /// How the value is written: itself, or for numbers the shortest exact form.
    associatedtype Encoded: Encodable
    /// "an integer", "a number", …
    static var expectation: String { get }
    var encoded: Encoded { get }
}

extension Int: SettingValue {
    static var expectation: String { "an integer" }
    var encoded: Int { self }
}
extension Double: SettingValue {
    static var expectation: String { "a number" }
    var encoded: ExactNumber { ExactNumber(value: self) }
}
extension Bool: SettingValue {
    static var expectation: String { "true or false" }
    var encoded: Bool { self }
}
extension String: SettingValue {
    static var expectation: String { "a string" }
    var encoded: String { self }
}

/// How a raw value reads in an error: the scalar as written, quoted, or its kind.
func rawDescription(_ decoder: Decoder) -> String {
    if let single = try? decoder.singleValueContainer() {
        if single.decodeNil() { return "null" }
        if let text = try? single.decode(String.self) { return "\"\(text)\"" }
        if let flag = try? single.decode(Bool.self) { return "\(flag)" }
        if let integer = try? single.decode(Int.self) { return "\(integer)" }
        if let number = try? single.decode(Double.self) { return "\(number)" }
    }
    if var list = try? decoder.unkeyedContainer() {
        var items: [String] = []
        while !list.isAtEnd {
            guard let item = try? list.superDecoder() else { return "a list" }
            let text = rawDescription(item)
            guard !text.hasPrefix("a ") else { return "a list" }
            items.append(text.replacingOccurrences(of: "\"", with: ""))
        }
        return "[\(items.joined(separator: ", "))]"
    }
    if (try? decoder.container(keyedBy: AnyCodingKey.self)) != nil { return "a mapping" }
    return "a value of another kind"
}

/// The closest of `candidates` to a misspelt `key`, when one is close enough to suggest.
func suggestion(for key: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    let lowered = Array(key.lowercased())
    let scored = candidates.map { ($0, distance(lowered, Array($0))) }.min { $0.1 < $1.1 }
    // Close: at most 2 edits (more for long keys), and fewer than half the key.
    guard let (best, score) = scored, score <= max(2, lowered.count / 3), 2 * score < lowered.count else { return nil }
    return best
}

extension ConfigurationError {
    /// A key the section at `section` does not define.
    static func unknownKey(_ key: String, in section: String, allowed: [String]) -> ConfigurationError {
        let hint = suggestion(for: key, among: allowed).map { " (did you mean \($0)?)" } ?? ""
        let place = section.isEmpty ? "the top level allows" : "\(section) allows"
        return ConfigurationError(key: section.isEmpty ? key : "\(section).\(key)",
                                  message: "unknown key\(hint); \(place) \(allowed.joined(separator: ", "))")
    }
}

extension Decoder {
    /// The keyed container of a settings section, after rejecting any key not in `allowed`.
    func settingsContainer(allowing allowed: [String]) throws -> KeyedDecodingContainer<AnyCodingKey> {
        let section = keyPath(codingPath)
        guard let present = try? container(keyedBy: AnyCodingKey.self) else {
            throw ConfigurationError(key: section, message: "expected a mapping with keys \(allowed.joined(separator: ", ")), got \(rawDescription(self))")
        }
        for key in present.allKeys where !allowed.contains(key.stringValue) {
            throw ConfigurationError.unknownKey(key.stringValue, in: section, allowed: allowed)
        }
        return present
    }
}

extension KeyedDecodingContainer {
    /// The full key path of `key`.
    func path(_ key: Key) -> String { keyPath(codingPath, key) }

    /// How the value at `key` reads in an error.
    func raw(_ key: Key) -> String {
        (try? superDecoder(forKey: key)).map(rawDescription) ?? "nothing"
    }

    func mismatch(_ key: Key, expected: String) -> ConfigurationError {
        ConfigurationError(key: path(key), message: "expected \(expected), got \(raw(key))")
    }

    /// The value at `key`, or `fallback` when the key is absent.
    func value<T: SettingValue>(_ key: Key, or fallback: T) throws -> T {
        guard contains(key) else { return fallback }
        do { return try decode(T.self, forKey: key) } catch {
            throw mismatch(key, expected: T.expectation)
        }
    }

    /// The value at `key`; nil when it is null; `fallback` when the key is absent.
    func optionalValue<T: SettingValue>(_ key: Key, or fallback: T?) throws -> T? {
        guard contains(key) else { return fallback }
        if try decodeNil(forKey: key) { return nil }
        do { return try decode(T.self, forKey: key) } catch {
            throw mismatch(key, expected: "\(T.expectation) or null")
        }
    }

    /// One of an enumeration's raw values at `key`, or `fallback` when the key is absent.
    func choice<T: RawRepresentable & CaseIterable>(_ key: Key, or fallback: T) throws -> T where T.RawValue == String {
        guard contains(key) else { return fallback }
        return try choice(key, among: T.allCases.map(\.rawValue)).flatMap(T.init(rawValue:))!
    }

    /// One of `allowed` at `key` (nil when the key is absent).
    func choice(_ key: Key, among allowed: [String]) throws -> String? {
        guard contains(key) else { return nil }
        guard let text = try? decode(String.self, forKey: key) else {
            throw mismatch(key, expected: "one of \(allowed.joined(separator: ", "))")
        }
        guard allowed.contains(text) else {
            throw ConfigurationError(key: path(key), message: "\"\(text)\" is not one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    /// A `[low, high]` pair at `key` with low ≤ high, or `fallback` when the key is absent.
    func interval<T: SettingValue & Comparable>(_ key: Key, or fallback: ClosedRange<T>) throws -> ClosedRange<T> {
        guard contains(key) else { return fallback }
        let pair = try pair(key, of: T.self, as: "[low, high]")
        guard pair.0 <= pair.1 else {
            throw ConfigurationError(key: path(key), message: "expected [low, high] with low ≤ high, got [\(pair.0), \(pair.1)]")
        }
        return pair.0...pair.1
    }

    /// A two-element list at `key` (which must be present).
    func pair<T: SettingValue>(_ key: Key, of type: T.Type, as shape: String) throws -> (T, T) {
        let plural = T.self == Int.self ? "integers" : "numbers"
        guard let list = try? decode([T].self, forKey: key), list.count == 2 else {
            throw mismatch(key, expected: "a list \(shape) of two \(plural)")
        }
        return (list[0], list[1])
    }

    /// A nested section at `key` decoded over `fallback`, or `fallback` when the key is absent
    /// or null: a section may give only some of its keys.
    func section<T: SettingsSection>(_ key: Key, or fallback: T) throws -> T {
        guard contains(key), try !decodeNil(forKey: key) else { return fallback }
        return try T(from: superDecoder(forKey: key), over: fallback)
    }

    /// An optional nested section at `key`: nil when null, `fallback` when absent, else decoded
    /// over `fallback` or, when that is nil, over `base`.
    func optionalSection<T: SettingsSection>(_ key: Key, or fallback: T?, base: @autoclosure () -> T) throws -> T? {
        guard contains(key) else { return fallback }
        if try decodeNil(forKey: key) { return nil }
        return try T(from: superDecoder(forKey: key), over: fallback ?? base())
    }
}

/// A number as Swift writes it, the shortest form that reads back to the same Double. Yams
/// writes Doubles with 15 significant digits when not in exponent form (0.1 + 0.2 comes back as
/// 0.3) and otherwise as `%.17g` (0.3 as `3e-1`).
struct ExactNumber: Encodable, YAMLEncodable {
    let value: Double

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    func box() -> Node { value.isFinite ? Node("\(value)", Tag(.float)) : value.box() }
}
