"""The ReleaseRegistry port (design §3, spec §8.6): has a package's fix version shipped?"""
