import Distributed
import FabricCore
import FabricTransport
import FabricWire
import Synchronization

/// One one-way call waiting to run. A class: queues move it around by reference instead of
/// copying (and retaining) every field of its envelope.
final class OneWayDelivery: Sendable {
    let actor: any DistributedActor
    let envelope: CallEnvelope
    let handler: FabricResultHandler

    init(actor: any DistributedActor, envelope: CallEnvelope, handler: FabricResultHandler) {
        self.actor = actor
        self.envelope = envelope
        self.handler = handler
    }
}

/// Keeps one-way calls in order: FIFO per (connection, recipient), drained by one task per
/// mailbox that exists only while there is work. A task per message would let the scheduler
/// reorder them; one task per connection would let a slow recipient hold up the others.
final class OneWayMailboxes: Sendable {
    private struct Key: Hashable {
        let connection: UInt64
        let path: String
    }

    /// A class so that appending to its queue in the table never copies the queue.
    private final class Mailbox {
        // Guarded by the mailboxes' lock; the lock already excludes, so the runtime's own
        // exclusivity checks are turned off.
        @exclusivity(unchecked) var queue: [OneWayDelivery] = []
        @exclusivity(unchecked) var head = 0
        /// Whether this mailbox asked its connection to stop reading.
        @exclusivity(unchecked) var holdsReading = false
        var depth: Int { queue.count - head }
    }

    /// A mailbox `Limits.oneWayMailboxHoldDepth` deep stops its connection's reads; they resume
    /// when it is down to `Limits.oneWayMailboxResumeDepth`. TCP then slows the sender: nothing
    /// is dropped in normal operation.
    static let holdDepth = Limits.oneWayMailboxHoldDepth
    static let resumeDepth = Limits.oneWayMailboxResumeDepth

    private let mailboxes = Mutex<[Key: Mailbox]>([:])

    /// Queues `delivery`; starts a drain task when its mailbox was idle. A mailbox over
    /// `Limits.oneWayMailboxDepthMax` drops the call and counts it (one-way means no reply).
    func deliver(_ delivery: OneWayDelivery, system: FabricActorSystem, connection: Connection) {
        let key = Key(connection: connection.id, path: delivery.envelope.recipient.path)
        let (start, dropped, hold) = mailboxes.withLock { mailboxes -> (Bool, Bool, Bool) in
            if let mailbox = mailboxes[key] {
                guard mailbox.depth < Limits.oneWayMailboxDepthMax else { return (false, true, false) }
                mailbox.queue.append(delivery)
                let hold = !mailbox.holdsReading && mailbox.depth >= Self.holdDepth
                if hold { mailbox.holdsReading = true }
                return (false, false, hold)
            }
            mailboxes[key] = Mailbox()
            return (true, false, false)
        }
        if hold { connection.holdReading() }
        if dropped {
            system.counters.add(.oneWayErrors)
            return
        }
        guard start else { return }
        Task(executorPreference: connection.loop) {
            var next: OneWayDelivery? = delivery
            while let current = next {
                await system.execute(actor: current.actor, envelope: current.envelope, handler: current.handler)
                next = self.take(key, connection: connection)
            }
        }
    }

    /// The next delivery of a mailbox, or nil after removing the emptied mailbox; lets the
    /// connection read again once the mailbox is shallow.
    private func take(_ key: Key, connection: Connection) -> OneWayDelivery? {
        let (delivery, release) = mailboxes.withLock { mailboxes -> (OneWayDelivery?, Bool) in
            guard let mailbox = mailboxes[key] else { return (nil, false) }
            guard mailbox.head < mailbox.queue.count else {
                mailboxes[key] = nil
                return (nil, mailbox.holdsReading)
            }
            let delivery = mailbox.queue[mailbox.head]
            mailbox.head += 1
            if mailbox.head > 1024, mailbox.head * 2 > mailbox.queue.count {
                mailbox.queue.removeFirst(mailbox.head)
                mailbox.head = 0
            }
            var release = false
            if mailbox.holdsReading, mailbox.depth <= Self.resumeDepth {
                mailbox.holdsReading = false
                release = true
            }
            return (delivery, release)
        }
        if release { connection.releaseReading() }
        return delivery
    }
}
