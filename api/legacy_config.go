package api

import "github.com/callhub/callhub/hub/filestore"

// Compat configures what the old middleware's endpoints may do on the
// hub's own disk. The zero value reads no file by path and answers
// /download with the file's /v1/files URL.
type Compat struct {
	// FileRoots are the directories /file may read a filepath from
	// (absolute, cleaned). Empty refuses files by path.
	FileRoots []string
	// Downloads, when set, is where /download saves the service's file,
	// answering its absolute path. Nil keeps it with Blobs.
	Downloads *filestore.Downloads
}

// Downloads is where /download saves files (compat), or nil; its owner
// sweeps it.
func (s *Server) Downloads() *filestore.Downloads { return s.compat.Downloads }
