package hub

// HasService reports whether id is a configured service.
func (h *Hub) HasService(id string) bool {
	_, ok := h.services[id]
	return ok
}
