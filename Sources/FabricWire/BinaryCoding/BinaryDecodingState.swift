/// One `BinaryDecoder.decode` call, shared by the `Decoder` and the containers it hands out
/// (which keep it alive while they exist).
final class BinaryDecodingState {
    /// The mutable state, owned by this object.
    let storage: UnsafeMutablePointer<BinaryDecodingStorage>
    /// The input; only valid during the `decode` call.
    let input: UnsafeRawBufferPointer
    let userInfo: [CodingUserInfoKey: any Sendable]
    let context: UnownedCodingContext?
    private var userInfoForCodersStorage: [CodingUserInfoKey: Any]?

    init(input: UnsafeRawBufferPointer, userInfo: [CodingUserInfoKey: any Sendable], context: UnownedCodingContext?) {
        storage = BinaryStorageCaches.decoding.take()
        storage.pointee.input = input
        self.input = input
        self.userInfo = userInfo
        self.context = context
    }

    deinit {
        BinaryStorageCaches.decoding.give(storage)
    }

    /// `userInfo` as the `Decoder` protocol types it.
    var userInfoForCoders: [CodingUserInfoKey: Any] {
        if let converted = userInfoForCodersStorage { return converted }
        let converted = UnownedCodingContext.merging(userInfo, context)
        userInfoForCodersStorage = converted
        return converted
    }
}
