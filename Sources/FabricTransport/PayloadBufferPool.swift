import FabricCore
import Synchronization

/// Payload arrays handed back by connections once their messages are framed, for the arguments
/// of the next calls.
///
/// Why: a caller on another thread allocates each call's array and the connection's loop frees
/// it after framing. glibc returns such a chunk to the caller's arena under that arena's lock,
/// while the caller allocates the next one from it: in a one-way stream from the default
/// executor the two threads met on that lock tens of thousands of times a second (`futex`
/// from `malloc` and `free`, counted with `perf record -e syscalls:sys_enter_futex`). A
/// recycled array is neither freed nor allocated.
///
/// Bounded: `Limits.recycledPayloadBuffersMax` arrays of at most
/// `Limits.recycledPayloadBytesMax` bytes each; anything else is freed as before.
///
/// Never a point where threads wait: one pool serves every caller and loop of a transport, so
/// both sides only try its lock, and when another thread holds it a caller allocates and a loop
/// frees, as they would without the pool.
package final class PayloadBufferPool: Sendable {
    private let buffers = Mutex<[[UInt8]]>([])
    /// Arrays `take()` handed out from the pool rather than fresh (tests and `perf` checks).
    private let reused = Atomic<Int>(0)

    package init() {}

    /// An empty array with room for a small call (`Limits.callArgumentsBytesReserved`).
    package func take() -> [UInt8] {
        if let recycled = buffers.withLockIfAvailable({ $0.popLast() }) ?? nil {
            reused.add(1, ordering: .relaxed)
            return recycled
        }
        var fresh: [UInt8] = []
        fresh.reserveCapacity(Limits.callArgumentsBytesReserved)
        return fresh
    }

    /// Moves the payloads of `messages` that fit the bounds into the pool, emptied (their
    /// messages are left with empty payloads). One try of the lock for the whole batch.
    package func recycle(from messages: inout [OutboundMessage], spare: inout [[UInt8]]) {
        precondition(spare.isEmpty, "spare buffer list holds \(spare.count) arrays")
        for index in messages.indices {
            let capacity = messages[index].payload.capacity
            guard capacity >= Limits.callArgumentsBytesReserved, capacity <= Limits.recycledPayloadBytesMax,
                spare.count < Limits.recycledPayloadBuffersMax
            else { continue }
            var payload: [UInt8] = []
            swap(&payload, &messages[index].payload)
            let memory = payload.withUnsafeBufferPointer { $0.baseAddress }
            // Keeps the memory when this is the array's only reference, as it is once framed
            // when the caller let go of it; an array still shared gets a new buffer here, which
            // is not kept (the pool holds only memory no one else refers to).
            payload.removeAll(keepingCapacity: true)
            guard payload.withUnsafeBufferPointer({ $0.baseAddress }) == memory else { continue }
            spare.append(payload)
        }
        guard !spare.isEmpty else { return }
        // Dropped (freed) when another thread holds the lock.
        _ = buffers.withLockIfAvailable { pool in
            let room = Limits.recycledPayloadBuffersMax - pool.count
            if room >= spare.count {
                pool.append(contentsOf: spare)
            } else if room > 0 {
                pool.append(contentsOf: spare[..<room])
            }
        }
        spare.removeAll(keepingCapacity: true)
    }

    /// Arrays waiting to be reused (tests).
    package var count: Int { buffers.withLock { $0.count } }

    /// Arrays `take()` has handed out from the pool so far (tests).
    package var reusedCount: Int { reused.load(ordering: .relaxed) }
}
