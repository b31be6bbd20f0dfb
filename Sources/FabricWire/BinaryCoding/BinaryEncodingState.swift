/// One `BinaryEncoder.encode` call, shared by the `Encoder` and the containers it hands out
/// (which keep it alive while they exist).
final class BinaryEncodingState {
    /// The mutable state, owned by this object.
    let storage: UnsafeMutablePointer<BinaryEncodingStorage>
    let userInfo: [CodingUserInfoKey: any Sendable]
    let context: UnownedCodingContext?
    private var userInfoForCodersStorage: [CodingUserInfoKey: Any]?

    /// Takes over `buffer` (leaving it empty) to append to it.
    init(buffer: inout [UInt8], userInfo: [CodingUserInfoKey: any Sendable], context: UnownedCodingContext?) {
        storage = BinaryStorageCaches.encoding.take()
        storage.pointee.setUp(buffer: &buffer)
        self.userInfo = userInfo
        self.context = context
    }

    deinit {
        BinaryStorageCaches.encoding.give(storage)
    }

    /// `userInfo` as the `Encoder` protocol types it.
    var userInfoForCoders: [CodingUserInfoKey: Any] {
        if let converted = userInfoForCodersStorage { return converted }
        let converted = UnownedCodingContext.merging(userInfo, context)
        userInfoForCodersStorage = converted
        return converted
    }
}
