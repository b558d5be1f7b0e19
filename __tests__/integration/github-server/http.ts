/** A REST request to the GitHub stand-in as a client sends it: its status and JSON body. */
export async function restRequest(
  apiUrl: string,
  method: string,
  path: string,
  body: unknown,
  token: string
) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `token ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { message?: string }
  }
}
