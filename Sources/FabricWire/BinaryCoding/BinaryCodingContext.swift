/// An object whose entries a coder adds to `userInfo` when a value asks for it, without the
/// coder keeping the object alive.
///
/// The actor system owns its coders and puts itself in their `userInfo` (so that actor
/// references can be coded as arguments); holding itself strongly from a coder it owns would
/// make it immortal. It is referenced here `unowned(unsafe)` instead, which is sound because a
/// system's coders are only used by code that holds the system. (A value's `init(from:)` or
/// `encode(to:)` that kept its `Decoder`/`Encoder` and read `userInfo` after the call, once the
/// system is gone, would not be: no Codable type is expected to keep its coder.)
package protocol BinaryCodingContext: AnyObject, Sendable {
    var codingUserInfo: [CodingUserInfoKey: any Sendable] { get }
}

/// A `BinaryCodingContext` a coder does not keep alive (see there).
package struct UnownedCodingContext: @unchecked Sendable {
    unowned(unsafe) let context: any BinaryCodingContext

    package init(_ context: any BinaryCodingContext) {
        self.context = context
    }

    /// `userInfo` with the context's entries added (the context's win).
    static func merging(
        _ userInfo: [CodingUserInfoKey: any Sendable], _ context: UnownedCodingContext?
    ) -> [CodingUserInfoKey: Any] {
        var merged = userInfo.mapValues { $0 as Any }
        if let context {
            for (key, value) in context.context.codingUserInfo { merged[key] = value }
        }
        return merged
    }
}
