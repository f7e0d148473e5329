pub fn write_raw(_p: &rprof_profile::Profile, _o: &mut String) -> std::fmt::Result { Ok(()) }
