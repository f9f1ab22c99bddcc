import ReactMarkdown from "react-markdown";

/**
 * A pause description is written by flow code and read by approvers: Markdown, rendered without
 * raw HTML (skipHtml) and with react-markdown's URL filter, so no script or handler can get in.
 */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown skipHtml>{text}</ReactMarkdown>
    </div>
  );
}
