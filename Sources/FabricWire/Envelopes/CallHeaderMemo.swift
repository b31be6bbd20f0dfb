import FabricCore

/// The sending side's memo: the encoded recipient and target of the last call envelope written
/// without generic substitutions, so that a stream of calls to one method of one actor copies
/// their bytes instead of encoding two strings and an identifier per call.
///
/// The header bytes are a pure function of the recipient and target values, so a hit writes
/// exactly what `CallEnvelopeWriter` would: the tests compare the two over random sequences.
/// Equality of the values is cheap when they are the ones of the last call (the same string
/// storage), which is the case the memo is for. One per actor system, under its lock.
package struct CallHeaderMemo: Sendable {
    private var recipient: ActorID?
    private var target = ""
    /// `recipient` as the envelope encodes it.
    private var recipientBytes: [UInt8] = []
    /// `target` as the envelope encodes it, followed by a substitution count of 0.
    private var targetBytes: [UInt8] = []

    package init() {}

    /// The remembered bytes when `recipient` and `target` are the last ones.
    func bytes(recipient: ActorID, target: String) -> (recipient: [UInt8], target: [UInt8])? {
        guard let known = self.recipient, known == recipient, self.target == target else { return nil }
        return (recipientBytes, targetBytes)
    }

    mutating func remember(recipient: ActorID, target: String, recipientBytes: ArraySlice<UInt8>, targetBytes: ArraySlice<UInt8>) {
        self.recipient = recipient
        self.target = target
        self.recipientBytes = Array(recipientBytes)
        self.targetBytes = Array(targetBytes)
    }
}
