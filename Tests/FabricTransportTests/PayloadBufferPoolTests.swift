import FabricCore
import FabricWire
import Testing
@testable import FabricTransport

/// Framed payloads go back to the pool within its bounds and come out again empty, with their
/// memory; what does not fit the bounds is left alone.
@Suite struct PayloadBufferPoolTests {
    /// A message whose payload has exactly `capacity` bytes of room and `count` bytes in it.
    func message(capacity: Int, count: Int = 10) -> OutboundMessage {
        var payload = [UInt8]()
        payload.reserveCapacity(capacity)
        payload.append(contentsOf: repeatElement(0xAB, count: count))
        return OutboundMessage(kind: .call, messageID: 1, payload: payload)
    }

    func address(of array: [UInt8]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func anEmptyPoolGivesAFreshArrayWithRoomForASmallCall() {
        let pool = PayloadBufferPool()
        let buffer = pool.take()
        #expect(buffer.isEmpty)
        #expect(buffer.capacity >= Limits.callArgumentsBytesReserved)
        #expect(pool.count == 0)
    }

    @Test func aRecycledPayloadComesBackEmptyWithTheSameMemory() {
        let pool = PayloadBufferPool()
        var messages = [message(capacity: Limits.callArgumentsBytesReserved)]
        let original = address(of: messages[0].payload)
        var spare: [[UInt8]] = []
        pool.recycle(from: &messages, spare: &spare)
        #expect(messages[0].payload.isEmpty)
        #expect(spare.isEmpty)
        #expect(pool.count == 1)
        let reused = pool.take()
        #expect(reused.isEmpty)
        #expect(address(of: reused) == original)
        #expect(pool.count == 0)
        #expect(pool.reusedCount == 1)
    }

    /// The pool's own fresh arrays fit its bounds, so every small call's array can come back.
    @Test func aFreshArrayFromThePoolCanComeBack() {
        let pool = PayloadBufferPool()
        var payload = pool.take()
        payload.append(contentsOf: repeatElement(7, count: 100))
        var messages = [OutboundMessage(kind: .call, messageID: 1, payload: payload)]
        payload = []
        var spare: [[UInt8]] = []
        pool.recycle(from: &messages, spare: &spare)
        #expect(pool.count == 1)
        #expect(pool.reusedCount == 0)
    }

    @Test func payloadsOutsideTheBoundsAreLeftToTheirMessages() {
        let pool = PayloadBufferPool()
        var small: [UInt8] = [1, 2, 3]
        small.reserveCapacity(3)
        var messages = [
            OutboundMessage(kind: .call, messageID: 1, payload: small),
            message(capacity: Limits.recycledPayloadBytesMax + 1, count: 100),
            message(capacity: Limits.recycledPayloadBytesMax * 4, count: 100),
        ]
        var spare: [[UInt8]] = []
        pool.recycle(from: &messages, spare: &spare)
        #expect(pool.count == 0)
        #expect(messages[0].payload == [1, 2, 3])
        #expect(messages[1].payload.count == 100)
        #expect(messages[2].payload.count == 100)
    }

    @Test func oneBatchGivesAtMostTheLimit() {
        let pool = PayloadBufferPool()
        var spare: [[UInt8]] = []
        var messages = (0..<(Limits.recycledPayloadBuffersMax + 5)).map { _ in
            message(capacity: Limits.callArgumentsBytesReserved)
        }
        pool.recycle(from: &messages, spare: &spare)
        #expect(pool.count == Limits.recycledPayloadBuffersMax)
        #expect(messages.suffix(5).allSatisfy { $0.payload.count == 10 }, "past the limit, payloads stay with their messages")
    }

    @Test func thePoolHoldsAtMostItsLimit() {
        let pool = PayloadBufferPool()
        var spare: [[UInt8]] = []
        for _ in 0..<3 {
            var messages = (0..<(Limits.recycledPayloadBuffersMax / 2 + 7)).map { _ in
                message(capacity: Limits.callArgumentsBytesReserved)
            }
            pool.recycle(from: &messages, spare: &spare)
        }
        #expect(pool.count == Limits.recycledPayloadBuffersMax)
    }

    /// An array someone else still refers to is not pooled (the pool would otherwise keep the
    /// fresh buffer that emptying a shared array allocates); its other owner's bytes stay as
    /// they were.
    @Test func aPayloadStillSharedElsewhereIsNotPooled() {
        let pool = PayloadBufferPool()
        var messages = [
            message(capacity: Limits.callArgumentsBytesReserved, count: 32),
            message(capacity: Limits.callArgumentsBytesReserved, count: 32),
        ]
        let kept = messages[0].payload
        var spare: [[UInt8]] = []
        pool.recycle(from: &messages, spare: &spare)
        #expect(pool.count == 1, "only the array that was not shared")
        var reused = pool.take()
        reused.append(contentsOf: repeatElement(0x11, count: 64))
        #expect(kept == [UInt8](repeating: 0xAB, count: 32))
        #expect(address(of: reused) != address(of: kept))
    }
}
