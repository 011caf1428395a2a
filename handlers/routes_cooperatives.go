package handlers

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// cooperativeRoutes declares the routes of the core: the cooperatives hosted here (their
// public profiles, created by a platform admin) and the audit logs, the platform's and each
// cooperative's.
func (s *Server) cooperativeRoutes() {
	route(s, public(), huma.Operation{OperationID: "list-cooperatives", Method: http.MethodGet, Path: "/v1/cooperatives",
		Summary: "List the cooperatives hosted here (public profiles)", Tags: []string{"cooperatives"}}, s.listCooperatives)
	route(s, public(), huma.Operation{OperationID: "get-cooperative", Method: http.MethodGet, Path: "/v1/cooperatives/{cooperativeID}",
		Summary: "A cooperative's public profile", Tags: []string{"cooperatives"}}, s.getCooperative)
	route(s, public(), huma.Operation{OperationID: "get-cooperative-about", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/about", Summary: "What the cooperative tells the public about itself",
		Tags: []string{"cooperatives"}}, s.getAbout)
	route(s, inCooperative(roleBoard).withMFA(), huma.Operation{OperationID: "set-cooperative-about", Method: http.MethodPut,
		Path: "/v1/cooperatives/{cooperativeID}/about", Summary: "Write what the public page says about the cooperative",
		Description: "The text (Dutch and English), address and contact the cooperative's public page shows.",
		Tags:        []string{"cooperatives"}}, s.setAbout)

	route(s, platformAdmin().withMFA(), huma.Operation{OperationID: "admin-create-cooperative", Method: http.MethodPost,
		Path: "/v1/admin/cooperatives", DefaultStatus: http.StatusCreated, Summary: "Create a cooperative",
		Tags: []string{"admin"}}, s.createCooperative)
	route(s, platformAdmin(), huma.Operation{OperationID: "admin-audit", Method: http.MethodGet, Path: "/v1/admin/audit",
		Summary: "The platform's audit log", Tags: []string{"admin"}}, s.platformAudit)

	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "audit", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/audit", Summary: "The cooperative's audit log", Tags: []string{"audit"}},
		s.cooperativeAudit)
	route(s, inCooperative(roleBoard, roleAccountant), huma.Operation{OperationID: "audit-csv", Method: http.MethodGet,
		Path: "/v1/cooperatives/{cooperativeID}/audit.csv", Summary: "The cooperative's audit log as CSV",
		Tags: []string{"audit"}, Responses: map[string]*huma.Response{"200": {Description: "The whole log, oldest first.",
			Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}}, s.cooperativeAuditCSV)
}
