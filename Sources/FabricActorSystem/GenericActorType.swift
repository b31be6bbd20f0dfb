/// The generic arguments of a generic actor's type come from the instance, never from the wire.
///
/// A call to a method of `Box<T>` carries a substitution for `T`, and the runtime runs the
/// method with it: `Box<String>`'s identifier and substitution sent to a `Box<Int>` would run
/// `Box<String>`'s code on a `Box<Int>` (its `T`-typed storage read as a `String`). The receive
/// path therefore asks the runtime to build the type from the substitutions that stand for the
/// type's own parameters and requires the very metadata of the recipient: types are unique, so
/// that holds only when they are the instance's own generic arguments.
///
/// Runtime API used (checked by `RuntimeInternalsTests`): `swift_getTypeContextDescriptor`, the
/// type context descriptor's flags and a class descriptor's generic header (stable ABI), and
/// `_swift_instantiateCheckedGenericMetadata` (the runtime's SPI that builds a generic type from
/// a descriptor and arguments, checking the type's requirements; nil when they do not hold).
enum GenericActorType {
    /// A context descriptor's kind for a class (actors are classes).
    private static let classKind: UInt32 = 16
    private static let kindMask: UInt32 = 0x1F
    private static let isGenericFlag: UInt32 = 0x80
    /// A class descriptor's fixed fields (flags, parent, name, access function, fields,
    /// superclass, negative and positive metadata sizes, immediate members, fields, field offset
    /// vector offset: 11 × 4 bytes), then the generic header's instantiation cache and pattern
    /// (2 × 4 bytes), then its parameter count (16 bits).
    private static let parameterCountOffset = 52

    /// How many generic parameters `type` has, its own and its enclosing types' (`Outer<A>.Box<B>`
    /// has 2): 0 for a non-generic class, nil for anything that is not a Swift class.
    static func parameterCount(of type: any Any.Type) -> Int? {
        guard let descriptor = fabricTypeContextDescriptor(unsafeBitCast(type, to: UnsafeRawPointer.self)) else {
            return nil
        }
        let flags = descriptor.loadUnaligned(as: UInt32.self)
        guard flags & kindMask == classKind else { return nil }
        guard flags & isGenericFlag != 0 else { return 0 }
        return Int(descriptor.loadUnaligned(fromByteOffset: parameterCountOffset, as: UInt16.self))
    }

    /// Whether `type` is its generic type instantiated with `arguments` (one per generic
    /// parameter of the type, outermost first).
    static func isType(_ type: any Any.Type, instantiatedWith arguments: ArraySlice<any Any.Type>) -> Bool {
        guard !arguments.isEmpty,
            let descriptor = fabricTypeContextDescriptor(unsafeBitCast(type, to: UnsafeRawPointer.self))
        else { return false }
        let built = arguments.withUnsafeBufferPointer { buffer in
            fabricInstantiateCheckedGenericMetadata(
                descriptor, UnsafeRawPointer(buffer.baseAddress!), UInt(buffer.count))
        }
        guard let built else { return false }
        return ObjectIdentifier(built) == ObjectIdentifier(type)
    }
}

@_silgen_name("swift_getTypeContextDescriptor")
private func fabricTypeContextDescriptor(_ metadata: UnsafeRawPointer) -> UnsafeRawPointer?

@_silgen_name("_swift_instantiateCheckedGenericMetadata")
private func fabricInstantiateCheckedGenericMetadata(
    _ descriptor: UnsafeRawPointer, _ arguments: UnsafeRawPointer, _ argumentCount: UInt
) -> (any Any.Type)?
