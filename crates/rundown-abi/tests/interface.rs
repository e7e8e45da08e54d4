//! The interface table's layout on x64, which `include/rundown_interface.h` must match.

use core::mem::{align_of, offset_of, size_of};

use rundown_abi::{GetInterfaceRequest, InterfaceHeader, PeerReadResult, RundownInterface};

#[test]
fn the_interface_header_is_the_wdks_interface() {
    assert_eq!((size_of::<InterfaceHeader>(), align_of::<InterfaceHeader>()), (32, 8));
    assert_eq!(offset_of!(InterfaceHeader, size), 0);
    assert_eq!(offset_of!(InterfaceHeader, version), 2);
    assert_eq!(offset_of!(InterfaceHeader, context), 8);
    assert_eq!(offset_of!(InterfaceHeader, interface_reference), 16);
    assert_eq!(offset_of!(InterfaceHeader, interface_dereference), 24);
}

#[test]
fn the_table_appends_five_functions_to_the_header() {
    assert_eq!(size_of::<RundownInterface>(), RundownInterface::SIZE);
    let offsets = [
        offset_of!(RundownInterface, acquire),
        offset_of!(RundownInterface, release),
        offset_of!(RundownInterface, read),
        offset_of!(RundownInterface, write),
        offset_of!(RundownInterface, query_generation),
    ];
    assert_eq!(offsets, [32, 40, 48, 56, 64]);
}

#[test]
fn requests_and_results_have_their_wire_sizes() {
    assert_eq!(size_of::<GetInterfaceRequest>(), GetInterfaceRequest::SIZE);
    assert_eq!(size_of::<PeerReadResult>(), 24);
    assert_eq!(offset_of!(PeerReadResult, len), 16);
}

#[test]
fn a_short_or_long_request_is_refused() {
    let bytes = GetInterfaceRequest::current().to_bytes();
    assert!(GetInterfaceRequest::from_bytes(&bytes[..19]).is_err());
    assert!(GetInterfaceRequest::from_bytes(&[0; 21]).is_err());
}
