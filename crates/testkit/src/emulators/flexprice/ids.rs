//! The fixed ids every object carries and the generator of the others (`cust_…`, `plan_…`): leaf facts the
//! store and every resource module read.

/// Environment id every object belongs to (the API key's environment).
pub const ENVIRONMENT_ID: &str = "env_01JQ2B7C9D3E5F6G7H8J9K0M1N";
/// Tenant id every object belongs to.
pub const TENANT_ID: &str = "tenant_01JQ2B7C9D3E5F6G7H8J9K0M1P";
/// User id reported in `created_by` / `updated_by`.
pub const USER_ID: &str = "user_01JQ2B7C9D3E5F6G7H8J9K0M1Q";

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `prefix` + 26 uppercase Crockford base32 characters: a ULID of `millis` and `counter`.
pub(crate) fn ulid_id(prefix: &str, millis: u128, counter: u64) -> String {
    let value: u128 = (millis << 80) | u128::from(counter);
    let mut out = String::with_capacity(prefix.len() + 26);
    out.push_str(prefix);
    for i in (0..26).rev() {
        let idx = ((value >> (i * 5)) & 0x1f) as usize;
        out.push(char::from(CROCKFORD[idx]));
    }
    out
}
