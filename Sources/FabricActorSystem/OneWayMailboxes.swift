import Distributed
import FabricCore
import FabricTransport
import FabricWire
import Synchronization

/// One one-way call waiting to run.
struct OneWayDelivery: Sendable {
    let actor: any DistributedActor
    let envelope: CallEnvelope
    let handler: FabricResultHandler
}

/// Keeps one-way calls in order: FIFO per (connection, recipient), drained by one task per
/// mailbox that exists only while there is work. A task per message would let the scheduler
/// reorder them; one task per connection would let a slow recipient hold up the others.
final class OneWayMailboxes: Sendable {
    private struct Key: Hashable {
        let connection: UInt64
        let path: String
    }

    private struct Mailbox {
        var queue: [OneWayDelivery] = []
        var head = 0
    }

    private let mailboxes = Mutex<[Key: Mailbox]>([:])

    /// Queues `delivery`; starts a drain task when its mailbox was idle. A mailbox over
    /// `Limits.oneWayMailboxDepthMax` drops the call and counts it (one-way means no reply).
    func deliver(_ delivery: OneWayDelivery, system: FabricActorSystem, connection: Connection) {
        let key = Key(connection: connection.id, path: delivery.envelope.recipient.path)
        let (start, dropped) = mailboxes.withLock { mailboxes -> (Bool, Bool) in
            if var mailbox = mailboxes[key] {
                guard mailbox.queue.count - mailbox.head < Limits.oneWayMailboxDepthMax else { return (false, true) }
                mailbox.queue.append(delivery)
                mailboxes[key] = mailbox
                return (false, false)
            }
            mailboxes[key] = Mailbox()
            return (true, false)
        }
        if dropped {
            system.counters.add(.oneWayErrors)
            return
        }
        guard start else { return }
        Task.immediate(executorPreference: connection.loop) {
            var next: OneWayDelivery? = delivery
            while let current = next {
                await system.execute(actor: current.actor, envelope: current.envelope, handler: current.handler)
                next = self.take(key)
            }
        }
    }

    /// The next delivery of a mailbox, or nil after removing the emptied mailbox.
    private func take(_ key: Key) -> OneWayDelivery? {
        mailboxes.withLock { mailboxes in
            guard var mailbox = mailboxes[key] else { return nil }
            guard mailbox.head < mailbox.queue.count else {
                mailboxes[key] = nil
                return nil
            }
            let delivery = mailbox.queue[mailbox.head]
            mailbox.head += 1
            if mailbox.head > 1024, mailbox.head * 2 > mailbox.queue.count {
                mailbox.queue.removeFirst(mailbox.head)
                mailbox.head = 0
            }
            mailboxes[key] = mailbox
            return delivery
        }
    }
}
