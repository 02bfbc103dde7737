// Codecs live here.
