/// One `BinaryDecoder.decode` call, shared by the `Decoder` and the containers it hands out
/// (which keep it alive while they exist).
final class BinaryDecodingState {
    /// The mutable state, owned by this object.
    let storage: UnsafeMutablePointer<BinaryDecodingStorage>
    /// The input; only valid during the `decode` call.
    let input: UnsafeRawBufferPointer
    let userInfo: [CodingUserInfoKey: any Sendable]
    private var userInfoForCodersStorage: [CodingUserInfoKey: Any]?

    init(input: UnsafeRawBufferPointer, userInfo: [CodingUserInfoKey: any Sendable]) {
        storage = BinaryStorageCaches.decoding.take()
        storage.pointee.input = input
        self.input = input
        self.userInfo = userInfo
    }

    deinit {
        BinaryStorageCaches.decoding.give(storage)
    }

    /// `userInfo` as the `Decoder` protocol types it.
    var userInfoForCoders: [CodingUserInfoKey: Any] {
        if let converted = userInfoForCodersStorage { return converted }
        let converted = userInfo.mapValues { $0 as Any }
        userInfoForCodersStorage = converted
        return converted
    }
}
