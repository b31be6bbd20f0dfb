@testable import FabricSimulation
import FabricCore
import Testing

/// The event queue pops in (time, sequence) order whatever the pushes, so simultaneous events run
/// in the order they were made.
@Suite struct SimulationQueueTests {
    @Test func popsInTimeThenSequenceOrder() {
        var random = SeededRandom(seed: 99)
        var queue = SimulationQueue()
        var reference: [SimulationEntry] = []
        var sequence: UInt64 = 0
        var popped: [SimulationEntry] = []
        for round in 0..<20_000 {
            if random.next() % 3 != 0 || queue.count == 0 {
                sequence += 1
                let entry = SimulationEntry(time: random.next() % 50, sequence: sequence, payload: UInt64(round), node: 0, kind: .timer)
                queue.push(entry)
                reference.append(entry)
            } else {
                popped.append(queue.pop()!)
            }
        }
        while let entry = queue.pop() { popped.append(entry) }
        #expect(popped.count == reference.count)
        // Each pop was the least of what was queued then: check the order between consecutive pops
        // of one drain, and the drain as a whole against a sort.
        var drain = SimulationQueue()
        for entry in reference { drain.push(entry) }
        var drained: [SimulationEntry] = []
        while let entry = drain.pop() { drained.append(entry) }
        let sorted = reference.sorted { $0.precedes($1) }
        #expect(drained.map(\.sequence) == sorted.map(\.sequence))
        #expect(queue.pop() == nil)
    }
}
