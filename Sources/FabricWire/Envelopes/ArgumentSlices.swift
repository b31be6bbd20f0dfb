/// A call's arguments as slices of the bytes they came in.
///
/// A decoded call keeps them as one slice of its payload, each argument behind its 4-byte
/// big-endian length as the envelope carries them, found by walking those lengths (checked
/// when the envelope was decoded): copying the list is then one retain, whatever the number of
/// arguments, where a slice per argument was a retain each (and a list copied several times
/// per call). Lists built from separate slices (tests, hand-made envelopes) keep them as given.
package struct ArgumentSlices: RandomAccessCollection, Hashable, Sendable {
    private enum Storage: Sendable {
        /// Back to back, each behind its length: `count` of them fill the slice exactly.
        case prefixed(ArraySlice<UInt8>)
        case separate([ArraySlice<UInt8>])
    }

    private var storage: Storage
    package private(set) var count: Int

    package init() {
        storage = .separate([])
        count = 0
    }

    package init(_ arguments: some Sequence<ArraySlice<UInt8>>) {
        let list = Array(arguments)
        storage = .separate(list)
        count = list.count
    }

    /// `count` arguments back to back in `region`, each behind its 4-byte big-endian length;
    /// the caller has checked that they fill `region` exactly.
    package init(prefixedIn region: ArraySlice<UInt8>, count: Int) {
        storage = .prefixed(region)
        self.count = count
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    package subscript(position: Int) -> ArraySlice<UInt8> {
        precondition(position >= 0 && position < count, "argument \(position) of \(count)")
        switch storage {
        case .separate(let list):
            return list[position]
        case .prefixed(let region):
            var start = region.startIndex
            var skipped = 0
            while true {
                let length = Self.length(in: region, at: start)
                let bodyStart = start + Self.lengthBytes
                if skipped == position { return region[bodyStart..<(bodyStart + length)] }
                start = bodyStart + length
                skipped += 1
            }
        }
    }

    private static let lengthBytes = 4

    private static func length(in region: ArraySlice<UInt8>, at start: Int) -> Int {
        precondition(start + lengthBytes <= region.endIndex, "argument length at \(start) past the end \(region.endIndex)")
        let length = Int(region[start]) << 24 | Int(region[start + 1]) << 16 | Int(region[start + 2]) << 8 | Int(region[start + 3])
        precondition(start + lengthBytes + length <= region.endIndex, "argument of \(length) bytes past the end \(region.endIndex)")
        return length
    }

    package static func == (lhs: ArgumentSlices, rhs: ArgumentSlices) -> Bool {
        lhs.elementsEqual(rhs)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for argument in self { hasher.combine(argument) }
    }
}
